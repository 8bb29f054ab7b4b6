/** The signed-in shell: header with navigation, the threads sidebar, and the page the URL names. */
import { useEffect, useState } from 'react';
import { signOut, useCredential } from './auth.ts';
import { getJson } from './api.ts';
import { ApprovalsPage } from './approvals-page.tsx';
import { AuditPage } from './audit-page.tsx';
import { useLiveThreads } from './live-threads.ts';
import { onLinkClick, useRoute } from './router.ts';
import { agentsSchema, type Agent } from './schemas.ts';
import { Sidebar } from './sidebar.tsx';
import { SignIn } from './sign-in.tsx';
import { ThreadPage } from './thread-page.tsx';

export function App() {
  const key = useCredential();
  return key ? <Shell key={key} /> : <SignIn />;
}

function Shell() {
  const route = useRoute();
  const live = useLiveThreads();
  const [agents, setAgents] = useState<Agent[]>([]);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    getJson('/v1/agents', agentsSchema)
      .then(({ agents: list }) => setAgents(list))
      .catch(() => undefined);
  }, []);
  useEffect(() => setMenuOpen(false), [route.page, 'threadId' in route ? route.threadId : null]);
  const currentThreadId = route.page === 'thread' || route.page === 'audit' ? route.threadId : null;

  return (
    <div className={`shell${menuOpen ? ' menu-open' : ''}`}>
      <header className="top">
        <button
          type="button"
          className="menu link"
          aria-expanded={menuOpen}
          aria-controls="threads"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Threads
        </button>
        <a className="brand" href="/" onClick={onLinkClick('/')}>
          Longhaul
        </a>
        <nav aria-label="Main">
          <a
            href="/approvals"
            onClick={onLinkClick('/approvals')}
            aria-current={route.page === 'approvals' ? 'page' : undefined}
          >
            Approvals
          </a>
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </nav>
      </header>
      <div id="threads" className="side">
        <Sidebar
          threads={live.threads}
          statuses={live.statuses}
          currentThreadId={currentThreadId}
          onChanged={live.refresh}
        />
      </div>
      <main className="main">
        {route.page === 'home' && (
          <section className="page">
            <h1>Welcome</h1>
            <p>Open a thread on the left, or press “New thread” to start one.</p>
          </section>
        )}
        {route.page === 'approvals' && (
          <ApprovalsPage serial={live.approvalsSerial} expiredIds={live.expiredApprovals} />
        )}
        {route.page === 'audit' && <AuditPage threadId={route.threadId} />}
        {route.page === 'thread' && (
          <ThreadPage
            key={route.threadId}
            threadId={route.threadId}
            agents={agents}
            statusEvent={live.statuses[route.threadId]}
            onThreadChanged={live.refresh}
          />
        )}
      </main>
    </div>
  );
}
