/**
 * A sub-agent's life in its parent's AG-UI run, from the `data-subagent` parts Longhaul publishes into the parent's
 * stream: SUBAGENT_STARTED once, each progress report as the parent's ACTIVITY_SNAPSHOT (replaced in place), then
 * SUBAGENT_FINISHED or SUBAGENT_ERROR. AG-UI refuses to finish a run with a sub-agent still open, so the run's end
 * ends the ones that are.
 */
import { EventType, type Event as AgUiEvent } from '@ag-ui/core';

type SubagentEnd = 'completed' | 'cancelled' | 'failed';

export function createSubagentEvents() {
  /** By the tool call that started each: the child completion (its run id) and whether it is still open. */
  const subagents = new Map<string, { runId: string; active: boolean }>();

  return {
    progress(chunk: { id?: string; data: Record<string, unknown> }, parentMessageId?: string): AgUiEvent[] {
      const { toolCallId, completionId, agent, status } = chunk.data;
      if (typeof toolCallId !== 'string' || typeof completionId !== 'string') return [];
      const events: AgUiEvent[] = [];
      let subagent = subagents.get(toolCallId);
      if (!subagent) {
        subagent = { runId: completionId, active: true };
        subagents.set(toolCallId, subagent);
        events.push({
          type: EventType.SUBAGENT_STARTED,
          subagentRunId: completionId,
          name: typeof agent === 'string' ? agent : 'subagent',
          parentToolCallId: toolCallId,
          ...(parentMessageId ? { parentMessageId } : {}),
        });
      }
      events.push({
        type: EventType.ACTIVITY_SNAPSHOT,
        messageId: chunk.id ?? `subagent-${toolCallId}`,
        activityType: 'longhaul.subagent',
        content: chunk.data,
        replace: true,
      });
      if (subagent.active && isEnd(status)) {
        subagent.active = false;
        events.push(
          status === 'completed'
            ? { type: EventType.SUBAGENT_FINISHED, subagentRunId: subagent.runId }
            : { type: EventType.SUBAGENT_ERROR, subagentRunId: subagent.runId, message: status, code: status },
        );
      }
      return events;
    },

    /** Ends the sub-agents still open as the parent's run ends: stopped with it, or waiting with it for approvals. */
    end(outcome: 'success' | 'interrupt' | 'cancelled'): AgUiEvent[] {
      return [...subagents.values()]
        .filter((subagent) => subagent.active)
        .map((subagent): AgUiEvent => {
          subagent.active = false;
          if (outcome === 'cancelled') {
            return {
              type: EventType.SUBAGENT_ERROR,
              subagentRunId: subagent.runId,
              message: 'stopped',
              code: 'cancelled',
            };
          }
          return {
            type: EventType.SUBAGENT_FINISHED,
            subagentRunId: subagent.runId,
            ...(outcome === 'interrupt' ? { outcome: { type: 'suspended' as const } } : {}),
          };
        });
    },
  };
}

function isEnd(status: unknown): status is SubagentEnd {
  return status === 'completed' || status === 'cancelled' || status === 'failed';
}
