import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadMe } from './data/store';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
// The public pages (StopCovid app, patient portal, verifier) need no professional session.
const PUBLIC_PAGES = ['/app', '/patient', '/verifier'];
const isPublicPage = PUBLIC_PAGES.some((page) => location.pathname === page || location.pathname.startsWith(`${page}/`));
if (!isPublicPage) void loadMe();
