import { Context } from '@temporalio/activity';
import type { AuditEvent, AuditRepo } from '../db/audit-repo.js';

/** Appends an audit event stamped with the running activity's workflow id and run id (links into the Temporal UI). */
export async function auditFromActivity(audit: AuditRepo, event: Omit<AuditEvent, 'workflowId' | 'runId'>): Promise<void> {
  const execution = Context.current().info.workflowExecution;
  await audit.append({ ...event, workflowId: execution?.workflowId ?? null, runId: execution?.runId ?? null });
}
