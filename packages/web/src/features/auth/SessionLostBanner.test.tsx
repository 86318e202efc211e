// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, stubNetwork } from '../../testing/browser';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

describe('the end of a session while a page is open', () => {
  it('says so above the page, with a link back to the same page to sign in again, once a request finds it gone', async () => {
    stubNetwork((r) =>
      r.path === '/api/messages/preview'
        ? errorAnswer(401, 'AUTH_SESSION_EXPIRED', 'Votre session a expiré. Reconnectez-vous avec Pro Santé Connect.')
        : errorAnswer(400, 'REQUEST_INVALID', 'La requête est invalide.'),
    );
    window.history.replaceState(null, '', '/messages-urgents?message=abc');
    const { SessionLostBanner } = await import('./SessionLostBanner');
    const { apiRequest } = await import('../../data/api');
    const { Type } = await import('typebox');
    render(<SessionLostBanner />);
    // Another refusal is no news of the session.
    await act(() => apiRequest(Type.Unknown(), 'POST', '/api/messages', {}).catch(() => undefined));
    expect(screen.queryByTestId('session-lost')).toBeNull();
    await act(() => apiRequest(Type.Unknown(), 'POST', '/api/messages/preview', {}).catch(() => undefined));
    const banner = screen.getByTestId('session-lost');
    expect(banner.textContent).toContain('Votre session a pris fin');
    expect(screen.getByRole('link', { name: 'reconnectez-vous' }).getAttribute('href')).toBe('/messages-urgents?message=abc');
  });
});
