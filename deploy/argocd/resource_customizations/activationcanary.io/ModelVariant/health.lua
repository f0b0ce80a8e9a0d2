-- Argo CD health of an activationcanary.io ModelVariant, from the status the operator writes
-- (docs/gitops.md has the table). Order matters: a status that does not describe the current spec or
-- signal says nothing about them, so "waiting for the operator" comes first; then a spec the operator
-- cannot act on; then the phase.
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function withMessage(prefix, text)
  if text ~= nil and text ~= "" then
    return prefix .. ": " .. text
  end
  return prefix
end

if obj.status == nil or obj.status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the activation-canary operator to observe the ModelVariant"
  return hs
end

local generation = tonumber(obj.metadata.generation)
local observed = tonumber(obj.status.observedGeneration)
if generation ~= nil and observed ~= nil and observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation .. " (status describes " .. observed .. ")"
  return hs
end

local signal = nil
if obj.metadata.annotations ~= nil then
  signal = obj.metadata.annotations["activationcanary.io/signal"]
end
if signal ~= nil and signal ~= "" and signal ~= obj.status.handledSignal then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to act on signal " .. signal
  return hs
end

-- A spec, a child or a route the operator cannot use: nothing moves until a person fixes it.
for _, conditionType in ipairs({"SpecValid", "ChildrenReconciled", "TrafficRouted"}) do
  local c = condition(conditionType)
  if c ~= nil and c.status == "False" then
    hs.status = "Degraded"
    hs.message = withMessage(conditionType .. " is False (" .. (c.reason or "no reason") .. ")", c.message)
    return hs
  end
end

local phase = obj.status.phase
local message = obj.status.message

if phase == "Healthy" then
  hs.status = "Healthy"
  hs.message = withMessage((obj.status.stableActivation or "the stable variant") .. " is stable", message)
  return hs
end

if phase == "Progressing" or phase == "Promoting" then
  hs.status = "Progressing"
  local canary = obj.status.canaryActivation
  if canary == nil or canary == "" then
    -- No canary: stable is being deployed or restored.
    hs.message = withMessage(phase, message)
  elseif phase == "Promoting" then
    hs.message = message or ("promoting " .. canary)
  else
    local step = ""
    if obj.status.currentStepIndex ~= nil then
      step = " at step " .. (tonumber(obj.status.currentStepIndex) + 1) .. ", weight " .. (obj.status.canaryWeight or 0) .. "%"
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
    hs.message = withMessage("Rolled back (" .. (degraded.reason or "no reason") .. ")", degraded.message)
  else
    hs.message = withMessage("Rolled back", message)
  end
  return hs
end

-- A phase this script does not know: written by a newer operator than the script.
hs.status = "Unknown"
hs.message = withMessage("Unknown phase " .. tostring(phase), message)
return hs
