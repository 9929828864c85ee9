-- wrk script for the exchange's GraphQL gateway, driven by a spec that bench writes (a Lua
-- file named by BENCH_WRK_SPEC, see bench/load/spec.py).
--   mode "mix":     earnPoints / burnPoints mutations (earn_share earns), each with a unique
--                   idempotency key (run token, thread id, counter) for a random member, sent
--                   with the API key of the partner that member belongs to;
--   mode "balance": member { availableBalance } queries, with an exponential think time per
--                   connection when mean_delay_ms > 0 (wrk's latency excludes the delay).
-- done() prints one line, BENCH_RESULT {json}, with the counts and latency percentiles.

local spec = dofile(os.getenv("BENCH_WRK_SPEC"))
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  sent = 0
  user_errors = 0
  graphql_errors = 0
  first_error = ""
  math.randomseed(thread_id * 7919 + os.time())
  headers = {}
  for i, key in ipairs(spec.keys) do
    headers[i] = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}
  end
end

local function body_for(member)
  sent = sent + 1
  if spec.mode == "balance" then
    return string.format('{"query":"%s","variables":{"id":"%s"}}', spec.balance, member[1])
  end
  local key = string.format("%s-%d-%d", spec.token, thread_id, sent)
  if math.random() < spec.earn_share then
    return string.format(
      '{"query":"%s","variables":{"input":{"memberId":"%s",'
        .. '"amount":{"amount":"%d.00","currency":"%s"},"idempotencyKey":"%s"}}}',
      spec.earn, member[1], math.random(5, 50), spec.currency, key)
  end
  return string.format(
    '{"query":"%s","variables":{"input":{"memberId":"%s","points":%d,"idempotencyKey":"%s"}}}',
    spec.burn, member[1], math.random(1, 10), key)
end

function request()
  local member = spec.members[math.random(#spec.members)]
  return wrk.format("POST", "/graphql", headers[member[2]], body_for(member))
end

if spec.mean_delay_ms > 0 then
  function delay()
    return math.floor(-math.log(1 - math.random()) * spec.mean_delay_ms + 0.5)
  end
end

local function remember(what)
  if first_error == "" then
    first_error = what
  end
end

function response(status, headers, body)
  if status ~= 200 then
    remember("HTTP " .. status)
  elseif body:find('"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
    remember(body:match('"code":%s*"([%w_]+)"') or "GraphQL error")
  elseif body:find('"userErrors":%s*%[%s*{') then
    user_errors = user_errors + 1
    remember(body:match('"code":%s*"([%w_]+)"') or "userError")
  end
end

function done(summary, latency, requests)
  local users, graphqls, first = 0, 0, ""
  for _, thread in ipairs(threads) do
    users = users + thread:get("user_errors")
    graphqls = graphqls + thread:get("graphql_errors")
    local seen = thread:get("first_error")
    if first == "" and seen then
      first = seen
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"seconds":%.6f,"status_errors":%d,"socket_errors":%d,'
      .. '"graphql_errors":%d,"user_errors":%d,"first_error":"%s",'
      .. '"latency_ms":{"mean":%.3f,"p50":%.3f,"p75":%.3f,"p90":%.3f,"p95":%.3f,"p99":%.3f,'
      .. '"max":%.3f}}\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    graphqls, users, first, latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(75) / 1000, latency:percentile(90) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
