-- When a background job that failed is tried again: after 2^attempts
-- seconds, counting the attempts before this failure, and never more than
-- five minutes later. One rule for every queue (`app::backend::background`):
-- each queue's failure sets `run_after = queue_retry_at(attempts)`.
create function queue_retry_at(attempts integer) returns timestamptz
    language sql stable parallel safe
    -- 2^9 is past the cap already; a larger power would overflow at 1,024
    -- attempts, and the failure could then not be recorded at all.
    return now() + make_interval(secs => least(power(2, least(attempts, 9)), 300));
