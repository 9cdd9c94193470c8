-- wrk script for benches/api_load_random.sh: every request is a dashboard call with
-- a fresh random filter combination (period, shop, channel, agent, cohort, metric,
-- grain, breakdown, drill-down page), so most answers are cold and the response
-- cache keeps filling — the load that made memory grow without bound (issue 19).
-- SHOPS, AGENTS, FIRST (YYYY-MM-DD) and DAYS come from the environment.

local function split(s)
  local t = {}
  for v in string.gmatch(s or "", "[^,]+") do t[#t + 1] = v end
  return t
end

local shops = split(os.getenv("SHOPS"))
local agents = split(os.getenv("AGENTS"))
local y, m, d = string.match(os.getenv("FIRST") or "2026-01-01", "(%d+)-(%d+)-(%d+)")
local first = os.time({ year = tonumber(y), month = tonumber(m), day = tonumber(d), hour = 12 })
local days = tonumber(os.getenv("DAYS") or "90")

local metrics = { "conversations", "customers", "frt_p50", "frt_mean", "three_min_rate",
  "resolution_rate", "csat_pct", "conversion_rate", "negative_share", "reopen_rate" }
local grains = { "hour", "day", "week", "month", "hour_of_day" }
local bys = { "agent", "shop", "channel", "platform", "category", "day", "hour" }
local sorts = { "start", "frt_secs", "rounds_human", "csat" }

local function pick(t) return t[math.random(#t)] end

-- Agent names are Chinese: percent-encode every byte outside the unreserved set.
local function enc(v)
  return (string.gsub(v, "[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function date(offset) return os.date("%Y-%m-%d", first + offset * 86400) end

local function filters()
  local q = {}
  if math.random() < 0.9 then
    local a = math.random(0, days - 1)
    local b = math.random(a, days - 1)
    q[#q + 1] = "from=" .. date(a)
    q[#q + 1] = "to=" .. date(b)
  end
  if #shops > 0 and math.random() < 0.5 then q[#q + 1] = "shop=" .. enc(pick(shops)) end
  if #agents > 0 and math.random() < 0.2 then q[#q + 1] = "agent=" .. enc(pick(agents)) end
  if math.random() < 0.2 then q[#q + 1] = "channel=chat" end
  if math.random() < 0.2 then q[#q + 1] = "cohort=event" end
  return table.concat(q, "&")
end

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(os.time() * 100 + (id or 0))
end

request = function()
  local f = filters()
  local k = math.random(7)
  local path
  if k == 1 then
    path = "/api/v1/overview?" .. f
  elseif k == 2 then
    local m = pick(metrics)
    -- Message aggregates (negative_share) come by day, week or month only.
    local g = m == "negative_share" and pick({ "day", "week", "month" }) or pick(grains)
    path = "/api/v1/series?metric=" .. m .. "&grain=" .. g .. "&" .. f
  elseif k == 3 then
    -- The heatmap counts conversations (other metrics are refused with a 400).
    path = "/api/v1/heatmap?metric=conversations&" .. f
  elseif k == 4 then
    path = "/api/v1/distribution?metric=" .. pick({ "frt", "response" }) .. "&" .. f
  elseif k == 5 then
    path = "/api/v1/breakdown?by=" .. pick(bys) .. "&" .. f
  elseif k == 6 then
    path = "/api/v1/complaints?" .. f
  else
    path = "/api/v1/conversations?sort=" .. pick(sorts) .. "&limit=50&offset="
      .. (50 * math.random(0, 20)) .. "&" .. f
  end
  return wrk.format("GET", path)
end
