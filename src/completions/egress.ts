/**
 * The egress policy, applied when a step's tool calls are settled. A page the model reads can tell it to send
 * what it read elsewhere (prompt injection), so a call that sends data out (a tool declaring `egress`) is
 * refused when its host is outside the allowed lists, and, once the turn has read private data, needs the
 * user's approval to reach a host the turn had not reached before that read.
 *
 * "The turn" is read from Postgres: the completion's recorded tool calls of earlier steps, and for a sub-agent
 * the calls its callers had made up to the step that started it. Those rows no longer change while the step
 * runs, so a retried step rules every call the same way.
 */
import type { AgentDefinition } from '../agents/agent-definition.js';
import type { Queryable } from '../db/pool.js';
import { egressTarget, hostAllowed } from '../tools/egress-hosts.js';
import type { ToolDefinition } from '../tools/tool-definition.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { CallModelInput } from '../workflows/definitions.js';
import { findSubagentParent } from './subagent-parent.js';

export interface EgressPolicy {
  /** Every non-empty list must allow the host: the deployment's, then the agent's. */
  allowedHosts: (readonly string[])[];
  approvalAfterPrivateRead: boolean;
}

/** What the turn did before this step, as far as egress is concerned. */
export interface TurnEgress {
  readPrivateData: boolean;
  /** Hosts (`host:port`) the turn sent requests to before its first private read. */
  knownTargets: ReadonlySet<string>;
}

export type EgressRuling = { kind: 'run' } | { kind: 'approve' } | { kind: 'refuse'; reason: string };

/** The agent's policy within the deployment's hosts; a turn without a known agent gets the defaults. */
export function egressPolicyFor(
  agent: Pick<AgentDefinition, 'egress'> | undefined,
  deploymentHosts: readonly string[],
): EgressPolicy {
  return {
    allowedHosts: [deploymentHosts, agent?.egress?.allowedHosts ?? []],
    approvalAfterPrivateRead: agent?.egress?.approvalAfterPrivateRead ?? true,
  };
}

function targetOf(tool: ToolDefinition | undefined, input: unknown): URL | undefined {
  const destination = tool?.egress?.(input);
  return destination !== undefined && URL.canParse(destination) ? new URL(destination) : undefined;
}

export async function loadTurnEgress(db: Queryable, tools: ToolRegistry, step: CallModelInput): Promise<TurnEgress> {
  const privateTools = tools.names().filter((name) => tools.get(name)?.readsPrivateData);
  if (await callerReadPrivateData(db, step.parent, privateTools))
    return { readPrivateData: true, knownTargets: new Set() };
  const { rows } = await db.query<{ step: number; toolName: string; args: unknown }>(
    `SELECT step, tool_name AS "toolName", args FROM tool_executions
     WHERE completion_id = $1 AND step < $2 AND mode IS NOT NULL ORDER BY step, id`,
    [step.completionId, step.step],
  );
  const firstRead = rows.find((row) => privateTools.includes(row.toolName))?.step;
  const knownTargets = new Set<string>();
  for (const row of rows) {
    if (firstRead !== undefined && row.step >= firstRead) break;
    const target = targetOf(tools.get(row.toolName), row.args);
    if (target) knownTargets.add(egressTarget(target));
  }
  return { readPrivateData: firstRead !== undefined, knownTargets };
}

/**
 * A sub-agent's question is written by its caller, who may have read private data first: the caller's calls
 * up to the step that started the sub-agent count, and so do its own callers'.
 */
async function callerReadPrivateData(
  db: Queryable,
  parent: CallModelInput['parent'],
  privateTools: string[],
): Promise<boolean> {
  let link: { completionId: string; toolCallId: string } | undefined = parent;
  while (link) {
    const { rows } = await db.query<{ read: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM tool_executions t JOIN tool_executions spawn ON spawn.id = $2
         WHERE t.completion_id = $1 AND t.step <= spawn.step AND t.mode IS NOT NULL AND t.tool_name = ANY($3)
       ) AS read`,
      [link.completionId, link.toolCallId, privateTools],
    );
    if (rows[0]?.read) return true;
    link = await findSubagentParent(db, link.completionId);
  }
  return false;
}

/**
 * Rules one valid call of the step. `stepReadsPrivateData`: a private-data tool runs in this same step, in
 * parallel with the call, so the call cannot be shown to come before the read.
 */
export function ruleEgress(
  policy: EgressPolicy,
  turn: TurnEgress,
  stepReadsPrivateData: boolean,
  tool: ToolDefinition | undefined,
  input: unknown,
): EgressRuling {
  if (!tool?.egress) return { kind: 'run' };
  const target = targetOf(tool, input);
  if (!target) return { kind: 'refuse', reason: `${tool.name} has no valid destination URL` };
  const refusedBy = policy.allowedHosts.find((hosts) => !hostAllowed(target, hosts));
  if (refusedBy) {
    return {
      kind: 'refuse',
      reason: `egress policy: ${target.host} is not an allowed host (allowed: ${refusedBy.join(', ')}); do not retry it`,
    };
  }
  const afterRead = turn.readPrivateData || stepReadsPrivateData;
  if (policy.approvalAfterPrivateRead && afterRead && !turn.knownTargets.has(egressTarget(target))) {
    return { kind: 'approve' };
  }
  return { kind: 'run' };
}
