-- wrk script for the outcomes API benchmark (bench/bench.py writes its data files and runs it).
--
--   wrk ... -s bench/graphql.lua http://127.0.0.1:PORT/graphql -- MODE DATA_FILE
--
-- MODE read:   every request is the same GraphQL POST (DATA_FILE returns {token, body}).
-- MODE add:    addOutcomeRecords with `rows` new records per request.
-- MODE import: importOutcomeRecordsCsv with a `rows`-line CSV file per request.
--
-- For add and import, DATA_FILE returns {threads, rows, dates, interventions, slots}. Each slot
-- names an intervention (with a DRAFT submission made for the benchmark) and the first index of
-- `rows` consecutive observations in its key space (day, enrolment, indicator), so no two
-- requests ever write the same observation. Thread i of `threads` takes every slot whose
-- position is i modulo `threads`; the script counts requests that found no slot left
-- (`exhausted`), which makes the run invalid rather than quietly repeating rows.
--
-- A response counts as an error unless it is HTTP 200 without a GraphQL "errors" member. done()
-- prints one line, WRK_RESULT {json}, for bench.py to read.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  data = dofile(args[2])
  errors = 0
  exhausted = 0
  if mode == "read" then
    fixed = wrk.format("POST", nil, {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. data.token,
    }, data.body)
  else
    slots = {}
    for position, slot in ipairs(data.slots) do
      if (position - 1) % data.threads == id then
        slots[#slots + 1] = slot
      end
    end
    next_slot = 1
  end
end

-- A value that fits the indicator's unit and scale.
local function value(indicator, index)
  if indicator.unit == "PERCENT" then
    return tostring(40 + index % 61)
  elseif indicator.unit == "SCORE" then
    return tostring(indicator.min + index % (indicator.max - indicator.min + 1))
  elseif indicator.unit == "BOOLEAN" then
    return tostring(index % 2)
  end
  return tostring(index % 3)
end

-- Calls emit(intervention, enrolment position, indicator, date, value) for each row of a slot.
local function each_row(slot, emit)
  local iv = data.interventions[slot.iv]
  local per_enrolment = #iv.indicators
  local per_day = #iv.enrolments * per_enrolment
  for n = 0, data.rows - 1 do
    local index = slot.first + n
    local day = math.floor(index / per_day)
    local within = index % per_day
    local indicator = iv.indicators[within % per_enrolment + 1]
    emit(iv, math.floor(within / per_enrolment) + 1, indicator, data.dates[day + 1],
      value(indicator, index))
  end
end

local function add_request(slot)
  local iv = data.interventions[slot.iv]
  local rows = {}
  each_row(slot, function(iv, enrolment, indicator, date, value)
    rows[#rows + 1] = '{"enrolmentId":"' .. iv.enrolments[enrolment] .. '","indicatorId":"'
      .. indicator.id .. '","value":' .. value .. ',"observedOn":"' .. date
      .. '","phase":"INTERIM","source":"PROVIDER"}'
  end)
  local body = '{"query":"mutation($input: AddOutcomeRecordsInput!) { addOutcomeRecords(input: '
    .. '$input) { records { id } } }","variables":{"input":{"submissionId":"' .. iv.submission
    .. '","records":[' .. table.concat(rows, ",") .. ']}}}'
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. iv.token,
  }, body)
end

local boundary = "outcomes-benchmark-boundary"

local function import_request(slot)
  local iv = data.interventions[slot.iv]
  local lines = { "participant_reference,indicator_code,phase,observed_on,value,source" }
  each_row(slot, function(iv, enrolment, indicator, date, value)
    lines[#lines + 1] = iv.references[enrolment] .. "," .. indicator.code .. ",INTERIM," .. date
      .. "," .. value .. ",PROVIDER"
  end)
  local operations = '{"query":"mutation($input: ImportOutcomeRecordsCsvInput!) { '
    .. 'importOutcomeRecordsCsv(input: $input) { recordCount } }","variables":{"input":'
    .. '{"submissionId":"' .. iv.submission .. '","file":null}}}'
  local body = table.concat({
    "--" .. boundary,
    'Content-Disposition: form-data; name="operations"', "", operations,
    "--" .. boundary,
    'Content-Disposition: form-data; name="map"', "", '{"0":["variables.input.file"]}',
    "--" .. boundary,
    'Content-Disposition: form-data; name="0"; filename="records.csv"',
    "Content-Type: text/csv", "", table.concat(lines, "\n"),
    "--" .. boundary .. "--", "",
  }, "\r\n")
  return wrk.format("POST", nil, {
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    ["Authorization"] = "Bearer " .. iv.token,
  }, body)
end

function request()
  if mode == "read" then
    return fixed
  end
  local slot = slots[next_slot]
  if slot == nil then
    -- Out of fresh observations: repeat the last slot, which the API refuses as duplicates.
    exhausted = exhausted + 1
    slot = slots[#slots]
  else
    next_slot = next_slot + 1
  end
  if mode == "add" then
    return add_request(slot)
  end
  return import_request(slot)
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
    if errors <= 2 then
      io.stderr:write("error response (HTTP " .. status .. "): " .. string.sub(body, 1, 400) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local failed, starved = 0, 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("errors")
    starved = starved + thread:get("exhausted")
  end
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,'
      .. '"errors":%d,"socket_errors":%d,"exhausted":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, failed, socket, starved))
end
