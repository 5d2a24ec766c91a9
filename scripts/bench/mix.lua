-- The request mix of `make bench-mix` (scripts/bench-mix.py), for wrk.
--
-- 90% anonymous pages and API reads, 9% signed-in readers, 1% writes. Which
-- article, author, tag or page a request names is drawn by the same
-- Zipf-like laws scripts/seed-large.py made the data with, so the slugs,
-- usernames and tag names are computed here, not looked up.
--
-- wrk runs one connection per thread (-t N -c N), so each response answers
-- the request this thread made last: that is how the latency of each kind
-- is known (wrk's own figures are for all requests together).
--
-- Environment: MIX_USERS (the data set's users), MIX_TOKENS (a file of
-- session tokens, one per line: the signed-in readers and writers).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } mix_timespec;
int clock_gettime(int clock, mix_timespec *now);
]]
local clock = ffi.new("mix_timespec")
local function now_us()
    ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
    return tonumber(clock.tv_sec) * 1e6 + tonumber(clock.tv_nsec) / 1e3
end

local users = tonumber(os.getenv("MIX_USERS") or "10000")
local articles = 2 * users
local authors = math.max(1, math.floor(users / 5))
local tag_count = math.max(20, math.floor(math.sqrt(articles) + 0.5))

-- scripts/seed-large.py's WORDS, in the same order.
local words = { "rust", "web", "aws", "postgres", "cache", "design", "leptos", "wasm", "ops", "scale",
    "async", "tokio", "axum", "sql", "index", "queue", "stream", "deploy", "cloud", "edge",
    "latency", "memory", "thread", "vector", "search", "auth", "token", "cookie", "browser",
    "server", "client", "replica", "shard", "pool", "metric", "trace", "alert", "budget",
    "release", "review", "testing" }
local w = #words

-- Rank r of `size` comes up about r^-(1 - 1/power) as often as the first.
local function zipf(size, power)
    return math.min(size - 1, math.floor(size * math.random() ^ power))
end

-- Article n (0-based): popular and recent first, as favorites and comments are.
local function slug()
    local n = articles - 1 - zipf(articles, 3)
    return words[1 + n % w] .. "-" .. words[1 + math.floor(n / w) % w] .. "-"
        .. words[1 + math.floor(n / (w * w)) % w] .. "-" .. (n + 1)
end

local function author()
    return "user" .. zipf(authors, 3)
end

local function tag()
    local t = zipf(tag_count, 2.5)
    return words[1 + t % w] .. (t >= w and ("-" .. math.floor(t / w)) or "")
end

-- Deep pages are rarer the deeper they are; the API's offset cap is 10,000.
local function page()
    return 2 + zipf(999, 2)
end

local tokens = {}
local function token()
    return tokens[math.random(#tokens)]
end

local function cookie()
    return { ["Cookie"] = "conduit_session=" .. token() }
end

local function bearer(json)
    local headers = { ["Authorization"] = "Token " .. token() }
    if json then headers["Content-Type"] = "application/json" end
    return headers
end

local counter = 0
local function unique()
    counter = counter + 1
    return tostring(math.random(1e9)) .. "-" .. counter
end

-- kind, weight (per thousand requests), class, request
local kinds = {
    { "anonymous /", 150, "anonymous", function() return "GET", "/" end },
    { "anonymous /?page=N", 50, "anonymous", function() return "GET", "/?page=" .. page() end },
    { "anonymous /tag/:tag", 50, "anonymous", function() return "GET", "/tag/" .. tag() end },
    { "anonymous /article/:slug", 300, "anonymous", function() return "GET", "/article/" .. slug() end },
    { "anonymous /profile/:username", 50, "anonymous", function() return "GET", "/profile/" .. author() end },
    { "GET /api/articles?offset=N", 80, "anonymous",
        function() return "GET", "/api/articles?limit=20&offset=" .. (20 * zipf(500, 2)) end },
    { "GET /api/articles/:slug", 100, "anonymous", function() return "GET", "/api/articles/" .. slug() end },
    { "GET /api/articles/:slug/comments", 70, "anonymous",
        function() return "GET", "/api/articles/" .. slug() .. "/comments" end },
    { "GET /api/profiles/:username", 30, "anonymous", function() return "GET", "/api/profiles/" .. author() end },
    { "GET /api/tags", 20, "anonymous", function() return "GET", "/api/tags" end },
    { "signed-in /", 20, "signed-in", function() return "GET", "/", cookie() end },
    { "signed-in /?feed=following", 20, "signed-in", function() return "GET", "/?feed=following", cookie() end },
    { "signed-in /article/:slug", 20, "signed-in", function() return "GET", "/article/" .. slug(), cookie() end },
    { "GET /api/articles/feed", 20, "signed-in", function() return "GET", "/api/articles/feed", bearer() end },
    { "GET /api/user", 10, "signed-in", function() return "GET", "/api/user", bearer() end },
    { "POST favorite", 4, "write",
        function() return "POST", "/api/articles/" .. slug() .. "/favorite", bearer(true), "{}" end },
    { "POST comment", 3, "write",
        function()
            return "POST", "/api/articles/" .. slug() .. "/comments", bearer(true),
                '{"comment":{"body":"Measured under load, ' .. unique() .. '."}}'
        end },
    { "POST follow", 2, "write",
        function() return "POST", "/api/profiles/" .. author() .. "/follow", bearer(true), "{}" end },
    { "POST article", 1, "write",
        function()
            return "POST", "/api/articles", bearer(true),
                '{"article":{"title":"Load ' .. unique() .. '","description":"A write under load",'
                .. '"body":"Written by the **benchmark**.","tagList":["' .. tag() .. '"]}}'
        end },
}

local total_weight = 0
for _, k in ipairs(kinds) do total_weight = total_weight + k[2] end

-- Latencies in buckets 5% apart, from 10 microseconds: small, and mergeable.
local base, step = 10, math.log(1.05)
local function bucket(us)
    if us <= base then return 0 end
    return math.floor(math.log(us / base) / step)
end

-- "kind|n", "kind|errors", "kind|status <code>" (of the errors) and
-- "kind|<bucket>" -> count. Flat, because
-- done() reads it through thread:get, which copies flat tables only.
stats = {}
local last = nil -- the kind and start of the request in flight on this thread's one connection

local threads = {}
function setup(thread)
    thread:set("thread_number", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    math.randomseed(os.time() * 1000 + (thread_number or 0))
    for line in io.lines(os.getenv("MIX_TOKENS")) do
        if #line > 0 then table.insert(tokens, line) end
    end
end

function request()
    local pick = math.random(total_weight)
    local kind
    for _, k in ipairs(kinds) do
        pick = pick - k[2]
        if pick <= 0 then kind = k; break end
    end
    local method, path, headers, body = kind[4]()
    last = { kind = kind[1], start = now_us() }
    return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
    if last == nil then return end
    local function add(key) stats[key] = (stats[key] or 0) + 1 end
    add(last.kind .. "|n")
    add(last.kind .. "|" .. bucket(now_us() - last.start))
    if status >= 400 then
        add(last.kind .. "|errors")
        add(last.kind .. "|status " .. status)
    end
    last = nil
end

-- One line per kind for scripts/bench-mix.py:
-- "mix|kind|class|n|errors|p50 ms|p99 ms|statuses", the statuses of the
-- errors as "503:2 429:1".
function done(summary, latency, requests)
    local merged = {}
    for _, thread in ipairs(threads) do
        for key, count in pairs(thread:get("stats")) do
            local kind, what = key:match("^(.*)|([^|]+)$")
            local m = merged[kind] or { n = 0, errors = 0, statuses = {}, buckets = {} }
            local code = what:match("^status (%d+)$")
            if what == "n" then
                m.n = m.n + count
            elseif what == "errors" then
                m.errors = m.errors + count
            elseif code then
                m.statuses[code] = (m.statuses[code] or 0) + count
            else
                local b = tonumber(what)
                m.buckets[b] = (m.buckets[b] or 0) + count
            end
            merged[kind] = m
        end
    end
    local function quantile(m, q)
        local keys = {}
        for b in pairs(m.buckets) do table.insert(keys, b) end
        table.sort(keys)
        local want, seen = q * m.n, 0
        for _, b in ipairs(keys) do
            seen = seen + m.buckets[b]
            if seen >= want then return base * math.exp((b + 1) * step) / 1000 end
        end
        return 0
    end
    for _, k in ipairs(kinds) do
        local m = merged[k[1]]
        if m and m.n > 0 then
            local statuses = {}
            for code, count in pairs(m.statuses) do
                table.insert(statuses, code .. ":" .. count)
            end
            table.sort(statuses)
            io.write(string.format("mix|%s|%s|%d|%d|%.2f|%.2f|%s\n", k[1], k[3], m.n, m.errors,
                quantile(m, 0.5), quantile(m, 0.99), table.concat(statuses, " ")))
        end
    end
end
