-- When a background job that failed is tried again: after 2^attempts
-- seconds, counting the attempts before this failure, and never more than
-- five minutes later. One rule for every queue (`app::backend::background`):
-- each queue's failure sets `run_after = queue_retry_at(attempts)`.
create function queue_retry_at(attempts integer) returns timestamptz
    language sql stable parallel safe
    return now() + make_interval(secs => least(power(2, attempts), 300));
