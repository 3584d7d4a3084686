-- Argo CD health check for cognito-sso.dev/CognitoSSO.
-- Install: argocd-cm key `resource.customizations.health.cognito-sso.dev_CognitoSSO` (docs/argocd.md).
-- Tested by tests/unit/test_argocd_health.py against health_test.yaml (Argo CD's own test format).
--
-- The operator follows kstatus: Ready == not Reconciling and not Stalled. The mapping is:
--   Healthy     Ready=True for the current generation (status.observedGeneration == metadata.generation,
--               and Ready's own observedGeneration too when it is set). ApplicationInSync=False keeps it
--               Healthy; the warning is in the message.
--   Degraded    Stalled=True for the current generation: a user has to act (bad spec, missing Secret, ...).
--   Progressing everything else: no status yet, a newer generation not observed yet, Reconciling=True,
--               Ready=False/Unknown without Stalled.
-- Written for Lua 5.1 (gopher-lua, which Argo CD embeds): no goto, no integer division, no utf8.

local hs = {}

local function find_condition(conditions, condition_type)
  if conditions == nil then
    return nil
  end
  for _, condition in ipairs(conditions) do
    if condition.type == condition_type then
      return condition
    end
  end
  return nil
end

local function as_text(value)
  if value == nil then
    return "none"
  end
  if type(value) == "number" then
    return string.format("%d", value)
  end
  return tostring(value)
end

local function describe(condition, fallback)
  if condition == nil then
    return fallback
  end
  local reason = condition.reason or ""
  local message = condition.message or ""
  if reason ~= "" and message ~= "" then
    return reason .. ": " .. message
  end
  if message ~= "" then
    return message
  end
  if reason ~= "" then
    return reason
  end
  return fallback
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end

if obj.status == nil or obj.status.conditions == nil or #obj.status.conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile this CognitoSSO"
  return hs
end

local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed ~= generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. as_text(generation) ..
    " (observed " .. as_text(observed) .. ")"
  return hs
end

local conditions = obj.status.conditions
local ready = find_condition(conditions, "Ready")
local stalled = find_condition(conditions, "Stalled")
local reconciling = find_condition(conditions, "Reconciling")

local function current(condition)
  return condition ~= nil and (condition.observedGeneration == nil or generation == nil or
    condition.observedGeneration == generation)
end

if stalled ~= nil and stalled.status == "True" and current(stalled) then
  hs.status = "Degraded"
  hs.message = describe(stalled, describe(ready, "Stalled"))
  return hs
end

if ready ~= nil and ready.status == "True" and current(ready) and
    not (reconciling ~= nil and reconciling.status == "True") then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

hs.status = "Progressing"
if reconciling ~= nil and reconciling.status == "True" then
  hs.message = describe(reconciling, describe(ready, "Reconciling"))
elseif ready ~= nil and ready.status == "True" then
  hs.message = "Waiting for the Ready condition of generation " .. as_text(generation) ..
    " (it is for " .. as_text(ready.observedGeneration) .. ")"
else
  hs.message = describe(ready, "Waiting for the Ready condition")
end
return hs
