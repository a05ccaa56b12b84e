-- wrk script for bench/run.py: one endpoint per run, every request from a random learner.
-- Usage: wrk -s bench/load.lua http://127.0.0.1:PORT -- ENDPOINT PORT SESSIONS PUBLIC SLUGS
-- ENDPOINT is healthz, visitor, learner, tick, dashboard, public or badge; the three files are
-- written by bench/seed.py (one record a line). `done` prints one line: "BENCH_RESULT {json}".

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then
      table.insert(lines, line)
    end
  end
  return lines
end

local function pick(list)
  return list[math.random(#list)]
end

local endpoint, origin
local sessions, public, slugs = {}, {}, {}
-- Production settings redirect plain http to https unless a trusted proxy says it was https.
local proxied = { ["X-Forwarded-Proto"] = "https" }

statuses = {}
-- Answers that look fine but were served to an anonymous visitor: the session did not work.
logged_out = 0

function init(args)
  endpoint = args[1]
  origin = "https://127.0.0.1:" .. args[2]
  for _, line in ipairs(read_lines(args[3])) do
    local username, key, csrf, token = line:match("^(%S+) (%S+) (%S+) (%S+)$")
    table.insert(sessions, { username = username, key = key, csrf = csrf, token = token })
  end
  public = read_lines(args[4])
  slugs = read_lines(args[5])
  math.randomseed(os.time() * 100 + id)
end

local function learner_headers(session)
  return {
    ["X-Forwarded-Proto"] = "https",
    ["Cookie"] = "sessionid=" .. session.key .. "; csrftoken=" .. session.csrf,
  }
end

local builders = {
  healthz = function()
    return wrk.format("GET", "/healthz", proxied)
  end,
  visitor = function()
    return wrk.format("GET", "/", proxied)
  end,
  learner = function()
    return wrk.format("GET", "/", learner_headers(pick(sessions)))
  end,
  dashboard = function()
    return wrk.format("GET", "/dashboard/", learner_headers(pick(sessions)))
  end,
  tick = function()
    local session = pick(sessions)
    local headers = learner_headers(session)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["HX-Request"] = "true"
    headers["X-CSRFToken"] = session.token
    -- A browser sends both with a POST; CSRF checks the Origin (or, without one, the Referer
    -- of an https request) against the host.
    headers["Origin"] = origin
    headers["Referer"] = origin .. "/"
    local status = math.random(2) == 1 and "done" or "not_started"
    return wrk.format("POST", "/milestones/" .. pick(slugs) .. "/status/", headers, "status=" .. status)
  end,
  public = function()
    return wrk.format("GET", "/u/" .. pick(public) .. "/", proxied)
  end,
  badge = function()
    return wrk.format("GET", "/u/" .. pick(public) .. "/badge.svg?track=ml-engineer", proxied)
  end,
}

function request()
  return builders[endpoint]()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if endpoint == "learner" and status == 200 and not body:find("Log out", 1, true) then
    logged_out = logged_out + 1
  elseif endpoint == "tick" and (headers["HX-Redirect"] or headers["hx-redirect"]) then
    logged_out = logged_out + 1
  end
end

function done(summary, latency, requests)
  local counts, anonymous = {}, 0
  for _, thread in ipairs(threads) do
    anonymous = anonymous + thread:get("logged_out")
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us": %d, "requests": %d, "bytes": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, '
      .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"logged_out": %d, "statuses": {%s}}\n',
    summary.duration, summary.requests, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.timeout, anonymous,
    table.concat(parts, ", ")
  ))
end
