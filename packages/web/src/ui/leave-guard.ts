import { useEffect } from 'react';

const QUESTION = 'Quitter cette page ? Ce que vous avez saisi et pas encore enregistré sera perdu.';

/** A click that would leave the page by a link (of the portal or not), as opposed to a new tab, a download or an anchor in the page. */
function leavingLink(event: MouseEvent): boolean {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!link) return false;
  const href = link.getAttribute('href') ?? '';
  return !href.startsWith('#') && link.getAttribute('target') !== '_blank' && !link.hasAttribute('download');
}

/**
 * While `active` (typed and not saved): the browser asks before the page is reloaded or closed,
 * and the page asks before a link takes the user elsewhere — the menu's links included, which
 * change the page without the browser knowing. Declined, the click does nothing.
 */
export function useLeaveGuard(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const beforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    // Capture, on the document: before the router's own handler, which then sees the click prevented.
    const click = (event: MouseEvent) => {
      if (!leavingLink(event) || window.confirm(QUESTION)) return;
      event.preventDefault();
      event.stopPropagation();
    };
    window.addEventListener('beforeunload', beforeUnload);
    document.addEventListener('click', click, true);
    return () => {
      window.removeEventListener('beforeunload', beforeUnload);
      document.removeEventListener('click', click, true);
    };
  }, [active]);
}
