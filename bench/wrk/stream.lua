-- order-inbox bench: the request stream for wrk, the mirror of bench/ids.ts (same numbering, same bodies).
-- Arguments (after `--`): kind, start, orders, template file, Authorization header, method.
-- Every request takes the next n, so each delete names a distinct seeded shipment and each upserted order
-- is new. Counters live per thread; done() gathers them and prints one JSON line for the runner.

local kind, n, orders, template, base
local threads = {}
-- wrk calls request() once before any connection, to see whether the script pipelines; that call
-- must neither use up a shipment nor count as sent.
local verified = false
-- Globals, not locals: done() reads them from each thread with thread:get().
sent, ok, other = 0, 0, 0
statuses = {}

local function mix(k)
  return (k * 10368889) % 4294967296
end

local function uuid(k)
  return string.format("%08x-0000-4000-8000-%012d", mix(k), k)
end

local function oid(k)
  return string.format("o%d-%d", mix(k), k)
end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  kind = args[1]
  n = tonumber(args[2])
  orders = tonumber(args[3])
  if args[4] ~= "-" then
    local file = assert(io.open(args[4], "r"))
    template = file:read("*a")
    file:close()
  end
  base = wrk.path
  wrk.method = args[6]
  wrk.headers["Authorization"] = args[5]
  if args[6] == "POST" then
    wrk.headers["Content-Type"] = "application/json"
  end
end

function request()
  local advance = verified
  verified = true
  local body, step, path = nil, 0, nil
  if kind == "delete-path" then
    path = base .. "/" .. n
    step = 1
  elseif kind == "delete-uuid" then
    body = '{"shipment_uuid":"' .. uuid(n) .. '"}'
    step = 1
  elseif kind == "delete-key" then
    body = '{"external_order_id":"' .. oid(n) .. '","external_shipment_id":null}'
    step = 1
  elseif kind == "upsert" then
    local items = {}
    for i = 0, orders - 1 do
      -- gsub patterns: the placeholders have no magic characters; the replacements no '%'.
      local item = template:gsub("__OID__", "u" .. (n + i), 1)
      item = item:gsub("__ONUM__", "ORDER-" .. (n + i), 1)
      items[#items + 1] = item
    end
    body = "[" .. table.concat(items, ",") .. "]"
    step = orders
  end
  if advance then
    n = n + step
    sent = sent + 1
  end
  return wrk.format(nil, path, nil, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    other = other + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total_sent, total_ok, total_other = 0, 0, 0
  local merged = {}
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_ok = total_ok + thread:get("ok")
    total_other = total_other + thread:get("other")
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    parts[#parts + 1] = string.format('"%d":%d', status, count)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"sent":%d,"ok":%d,"other":%d,"completed":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
      '"socket_errors":%d,"statuses":{%s}}\n',
    total_sent, total_ok, total_other, summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout,
    table.concat(parts, ",")))
end
