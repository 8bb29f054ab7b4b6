/** Above a thread: its title, the agent and model for the next message, and the link to its audit ledger. */
import { auditPath, onLinkClick } from './router.ts';
import type { Agent, ThreadDetail } from './schemas.ts';

export function ChatHeader({
  detail,
  agents,
  agent,
  onAgent,
  model,
  onModel,
}: {
  detail: ThreadDetail;
  agents: Agent[];
  agent: string;
  onAgent: (agent: string) => void;
  model: string;
  onModel: (model: string) => void;
}) {
  const knownModels = new Set([
    ...detail.completions.map((completion) => completion.model),
    ...agents.flatMap((choice) => (choice.model ? [choice.model] : [])),
  ]);
  return (
    <header className="chat-header">
      <h1>{detail.title ?? detail.id}</h1>
      <div className="pickers">
        <label>
          Agent
          <select value={agent} onChange={(event) => onAgent(event.target.value)}>
            <option value="">{detail.agent ? `${detail.agent} (thread)` : 'default'}</option>
            {agents.map((choice) => (
              <option key={choice.name} value={choice.name} title={choice.description}>
                {choice.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <input
            value={model}
            onChange={(event) => onModel(event.target.value)}
            placeholder="default"
            list="known-models"
            size={18}
          />
          <datalist id="known-models">
            {[...knownModels].map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
        <a href={auditPath(detail.id)} onClick={onLinkClick(auditPath(detail.id))}>
          Audit
        </a>
      </div>
    </header>
  );
}
