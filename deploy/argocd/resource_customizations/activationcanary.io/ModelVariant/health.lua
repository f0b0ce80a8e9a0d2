-- Argo CD health of an activationcanary.io ModelVariant, from the status the operator writes
-- (docs/gitops.md has the table). Order matters: a status that does not describe the current spec or
-- signal says nothing about them, so "waiting for the operator" comes first; then a spec the operator
-- cannot act on; then the phase.
-- Only the base and table libraries exist here (no string library). The apiserver checks the status
-- against the CRD, but a status of another shape (an older CRD, a hand-made object) must still give a
-- health: a Lua error would show in Argo CD instead of one.
local hs = {}
local status = obj.status
if type(status) ~= "table" then
  status = nil
end
local metadata = obj.metadata
if type(metadata) ~= "table" then
  metadata = {}
end

-- A string or number as text; nil for anything else (a table, a boolean) and for "".
local function text(value)
  if type(value) == "number" then
    return tostring(value)
  end
  if type(value) == "string" and value ~= "" then
    return value
  end
  return nil
end

local function condition(conditionType)
  if status == nil or type(status.conditions) ~= "table" then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if type(c) == "table" and c.type == conditionType then
      return c
    end
  end
  return nil
end

local function withMessage(prefix, message)
  local t = text(message)
  if t ~= nil then
    return prefix .. ": " .. t
  end
  return prefix
end

if status == nil or status.observedGeneration == nil or text(status.phase) == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the activation-canary operator to observe the ModelVariant"
  return hs
end

local generation = tonumber(metadata.generation)
local observed = tonumber(status.observedGeneration)
if generation ~= nil and observed ~= nil and observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation .. " (status describes " .. observed .. ")"
  return hs
end

local signal = nil
if type(metadata.annotations) == "table" then
  signal = text(metadata.annotations["activationcanary.io/signal"])
end
-- The operator records a value longer than status.handledSignal holds (4096 bytes) as
-- "sha256:<64 hex digits>" (71 characters), which cannot be computed here (Argo CD's Lua has no string
-- or hash library): such a digest counts as that value handled.
local handled = text(status.handledSignal)
local longHandled = signal ~= nil and #signal > 4096 and handled ~= nil and #handled == 71
if signal ~= nil and signal ~= handled and not longHandled then
  hs.status = "Progressing"
  if #signal > 200 then
    hs.message = "Waiting for the operator to act on a signal of " .. #signal .. " bytes"
  else
    hs.message = "Waiting for the operator to act on signal " .. signal
  end
  return hs
end

-- A spec, a child or a route the operator cannot use: nothing moves until a person fixes it.
for _, conditionType in ipairs({"SpecValid", "ChildrenReconciled", "TrafficRouted"}) do
  local c = condition(conditionType)
  if c ~= nil and c.status == "False" then
    hs.status = "Degraded"
    hs.message = withMessage(conditionType .. " is False (" .. (text(c.reason) or "no reason") .. ")", c.message)
    return hs
  end
end

local phase = status.phase
local message = text(status.message)

if phase == "Healthy" then
  hs.status = "Healthy"
  hs.message = withMessage((text(status.stableActivation) or "the stable variant") .. " is stable", message)
  return hs
end

if phase == "Progressing" or phase == "Promoting" then
  hs.status = "Progressing"
  local canary = text(status.canaryActivation)
  if canary == nil then
    -- No canary: stable is being deployed or restored.
    hs.message = withMessage(phase, message)
  elseif phase == "Promoting" then
    hs.message = message or ("promoting " .. canary)
  else
    local step = ""
    local index = tonumber(status.currentStepIndex)
    if index ~= nil then
      step = " at step " .. (index + 1) .. ", weight " .. (tonumber(status.canaryWeight) or 0) .. "%"
    end
    hs.message = withMessage("Canary " .. canary .. step, message)
  end
  return hs
end

if phase == "Paused" then
  hs.status = "Suspended"
  hs.message = withMessage("Paused", message)
  return hs
end

if phase == "Degraded" then
  hs.status = "Degraded"
  local degraded = condition("Degraded")
  if degraded ~= nil and degraded.status == "True" then
    hs.message = withMessage("Rolled back (" .. (text(degraded.reason) or "no reason") .. ")", degraded.message)
  else
    hs.message = withMessage("Rolled back", message)
  end
  return hs
end

-- A phase this script does not know: written by a newer operator than the script.
hs.status = "Unknown"
hs.message = withMessage("Unknown phase " .. text(phase), message)
return hs
