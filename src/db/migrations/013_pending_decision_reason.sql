-- A person's free-text reason for a decision is stored here by the API before the decision goes to Temporal, so
-- that it never travels through workflow history (the `decide` update and the recordApprovalDecision input carry
-- no reason). Keyed by approver (an owner and an allowed approver may race); recordApprovalDecision takes the
-- reason of whoever's decision won.
ALTER TABLE tool_executions ADD COLUMN IF NOT EXISTS pending_reasons jsonb NOT NULL DEFAULT '{}';
