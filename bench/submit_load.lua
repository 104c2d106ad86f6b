-- wrk script for bench/submit_load.py: one connection per wrk thread, each acting as its own annotator.
-- args: <plan file>. Plan: "R <start revision>", then label JSON variants prefixed "L ", then one line per connection:
-- "<token> <task id>,<task id>,...". Each connection cycles through its own tasks and tracks every task's
-- revision from the responses, so every submit names the current revision.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  labels, tasks, revs, acked, statuses = {}, {}, {}, {}, {}
  local n, start = 0, 0
  for line in io.lines(args[1]) do
    if string.sub(line, 1, 2) == "R " then
      start = tonumber(string.sub(line, 3)) -- the revision every task starts from
    elseif string.sub(line, 1, 2) == "L " then
      labels[#labels + 1] = string.sub(line, 3)
    else
      if n == id then
        local token, list = string.match(line, "^(%S+) (%S+)$")
        wrk.headers["Authorization"] = "Token " .. token
        for t in string.gmatch(list, "%d+") do
          tasks[#tasks + 1] = t
          revs[#revs + 1] = start
        end
      end
      n = n + 1
    end
  end
  wrk.headers["Content-Type"] = "application/json"
  idx, sent = 0, 0
end

function request()
  idx = idx % #tasks + 1
  sent = sent + 1
  local body = '{"revision":' .. revs[idx] .. ',"labels":' .. labels[sent % #labels + 1] .. '}'
  return wrk.format("POST", "/api/tasks/" .. tasks[idx] .. "/annotation/submit/", nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local rev = tonumber(string.match(body, '"revision":%s*(%d+)'))
  if status >= 200 and status < 300 and rev then
    revs[idx] = rev
    acked[#acked + 1] = tasks[idx] .. ":" .. rev
  elseif status == 409 and rev then
    revs[idx] = rev -- someone else moved it (should not happen: tasks are not shared)
  end
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("SUBMIT_LOAD_ACKED"), "w")
  local status_totals = {}
  for _, thread in ipairs(threads) do
    for _, pair in ipairs(thread:get("acked")) do
      out:write(pair, "\n")
    end
    for code, count in pairs(thread:get("statuses")) do
      status_totals[code] = (status_totals[code] or 0) + count
    end
  end
  out:close()
  local parts = {}
  for code, count in pairs(status_totals) do
    parts[#parts + 1] = '"' .. code .. '":' .. count
  end
  local pcts = {}
  for _, p in ipairs({ 10, 25, 50, 75, 90, 95, 99, 99.9 }) do
    pcts[#pcts + 1] = '"' .. p .. '":' .. latency:percentile(p)
  end
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
    '"statuses":{%s},"latency_us":{%s},"max_us":%d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, table.concat(parts, ","), table.concat(pcts, ","), latency.max))
end
