import { createRoot } from 'react-dom/client';
import 'streamdown/styles.css';
import './styles.css';
import { adoptKeyFromFragment } from './auth.ts';
import { App } from './app.tsx';

adoptKeyFromFragment();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(<App />);
