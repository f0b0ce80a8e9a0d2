-- Sends the pause signal: sets activationcanary.io/signal to "pause@<id>", which the operator acts on
-- once (status.handledSignal). The id is the time and the resourceVersion, so two clicks in one
-- second on different versions of the object are two signals.
local os = require("os")
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["activationcanary.io/signal"] = "pause@argocd-" .. os.date("!%Y-%m-%dT%H:%M:%SZ") .. "-rv" .. (obj.metadata.resourceVersion or "0")
return obj
