-- The rollout actions of a ModelVariant, enabled when the operator would act on them (the same rules
-- as `kubectl modelvariant`, src/cli/plugin/signal-check.ts). Each action sets the signal annotation
-- activationcanary.io/signal; none edits spec, so the Application stays in sync with Git.
local actions = {}
local status = obj.status or {}
local phase = status.phase
-- A canary runs (an initial deployment of stable is Progressing too, with no canary to act on).
local hasCanary = status.canaryActivation ~= nil and status.canaryActivation ~= ""
local rolling = hasCanary and (phase == "Progressing" or phase == "Paused" or phase == "Promoting")
local pausedBySignal = status.pausedAt ~= nil and status.pausedAt ~= ""

actions["promote"] = {["disabled"] = not rolling or phase == "Promoting", ["iconClass"] = "fa fa-fw fa-forward", ["displayName"] = "Promote"}
actions["abort"] = {["disabled"] = not rolling, ["iconClass"] = "fa fa-fw fa-undo", ["displayName"] = "Abort (roll back)"}
actions["retry"] = {["disabled"] = phase ~= "Degraded", ["iconClass"] = "fa fa-fw fa-redo", ["displayName"] = "Retry"}
actions["pause"] = {["disabled"] = not rolling or phase == "Promoting" or pausedBySignal, ["iconClass"] = "fa fa-fw fa-pause", ["displayName"] = "Pause"}
actions["resume"] = {["disabled"] = not pausedBySignal, ["iconClass"] = "fa fa-fw fa-play", ["displayName"] = "Resume"}
return actions
