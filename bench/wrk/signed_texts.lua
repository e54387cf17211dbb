-- wrk script: POST precomputed, validly signed Twilio webhooks, each text once.
-- Arguments: <file of "signature<TAB>body" lines> <threads> [pause ms between requests]
-- With a pause, each connection waits that long after every answer: a steady rate.

local next_thread = 0

function setup(thread)
  thread:set("id", next_thread)
  next_thread = next_thread + 1
end

local lines = {}
local counter = 0
local step = 1
local pause_ms = 0

function init(args)
  for line in io.lines(args[1]) do
    lines[#lines + 1] = line
  end
  step = tonumber(args[2])
  pause_ms = tonumber(args[3] or "0")
  counter = id  -- threads take turns through the lines, so no text is sent twice
end

function request()
  local line = lines[(counter % #lines) + 1]
  counter = counter + step
  local tab = line:find("\t", 1, true)
  return wrk.format("POST", "/sms/inbound", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = line:sub(1, tab - 1),
  }, line:sub(tab + 1))
end

function delay()
  return pause_ms
end

function done(summary, latency, requests)
  io.write(string.format(
    "BENCH {\"requests\": %d, \"seconds\": %.3f, \"non2xx\": %d, \"errors\": %d, " ..
    "\"p50_ms\": %.2f, \"p99_ms\": %.2f}\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
