-- The rollout actions of a ModelVariant, enabled when the operator would act on them (the operator's
-- planner, src/controller/plan.ts and plan-canary.ts; the same answers as `kubectl modelvariant`,
-- src/cli/plugin/signal-check.ts, on every recorded fixture). Each action sets the signal annotation
-- activationcanary.io/signal; none edits spec, so the Application stays in sync with Git.
-- Only the base and table libraries exist here (no string library), and a status of the wrong shape
-- must not raise an error: Argo CD would show the error instead of the actions.
local actions = {}
local status = obj.status
if type(status) ~= "table" then
  status = {}
end
local spec = obj.spec
if type(spec) ~= "table" then
  spec = {}
end
local metadata = obj.metadata
if type(metadata) ~= "table" then
  metadata = {}
end

local function text(value)
  if type(value) == "string" and value ~= "" then
    return value
  end
  return nil
end

local function conditionFalse(conditionType)
  if type(status.conditions) ~= "table" then
    return false
  end
  for _, c in ipairs(status.conditions) do
    if type(c) == "table" and c.type == conditionType and c.status == "False" then
      return true
    end
  end
  return false
end

local phase = status.phase
local stable = text(status.stableActivation)
local canary = text(status.canaryActivation)
local pausedBySignal = text(status.pausedAt) ~= nil
local specInvalid = conditionFalse("SpecValid")
-- An activation experiment runs (src/controller/plan-experiment.ts): only abort acts, ending it.
local experimentRunning = canary == nil and type(status.experiment) == "table" and status.experiment.phase == "Running"
local routeProblem = conditionFalse("TrafficRouted")

-- The status lags the spec (a commit the operator has not read yet): the operator decides on the new
-- spec. Compared by activation only (a template change is a rollout too, which a Lua script cannot
-- tell from the status): back to stable is no rollout, the canary's own activation goes on as the
-- status says, anything else starts a new canary, which abort, promote and pause act on.
local generation = tonumber(metadata.generation)
local observed = tonumber(status.observedGeneration)
local stale = observed ~= nil and generation ~= nil and observed < generation
local want = text(spec.activation)
local starting = false
if stale and want ~= nil and want ~= canary then
  if want == stable then
    canary = nil
  else
    starting = true
  end
end

-- A canary runs (an initial deployment of stable is Progressing too, with no canary to act on; a
-- canary that waits for its route has not started, and the operator ignores every signal then).
local rolling = stable ~= nil and canary ~= nil and (phase == "Progressing" or phase == "Paused" or phase == "Promoting")
local enabled = {}
if stable == nil or status.observedGeneration == nil then
  -- Not reconciled yet: every signal is ignored.
  enabled = {}
elseif starting then
  local waitsForRoute = routeProblem and (canary == nil or phase == "Degraded")
  enabled.abort = not waitsForRoute
  enabled.promote = not waitsForRoute
  enabled.pause = not waitsForRoute
elseif specInvalid then
  -- An invalid spec: only abort still rolls a canary back.
  enabled.abort = rolling
else
  enabled.abort = rolling or (experimentRunning and stable ~= nil)
  enabled.promote = rolling and phase ~= "Promoting"
  enabled.pause = rolling and phase ~= "Promoting" and not pausedBySignal
  enabled.resume = rolling and pausedBySignal
  -- A rolled-back canary starts again, unless its route is missing (the operator waits for it).
  enabled.retry = phase == "Degraded" and canary ~= nil and not routeProblem
end

actions["promote"] = {["disabled"] = not enabled.promote, ["iconClass"] = "fa fa-fw fa-forward", ["displayName"] = "Promote"}
actions["abort"] = {["disabled"] = not enabled.abort, ["iconClass"] = "fa fa-fw fa-undo", ["displayName"] = "Abort (roll back)"}
actions["retry"] = {["disabled"] = not enabled.retry, ["iconClass"] = "fa fa-fw fa-redo", ["displayName"] = "Retry"}
actions["pause"] = {["disabled"] = not enabled.pause, ["iconClass"] = "fa fa-fw fa-pause", ["displayName"] = "Pause"}
actions["resume"] = {["disabled"] = not enabled.resume, ["iconClass"] = "fa fa-fw fa-play", ["displayName"] = "Resume"}
return actions
