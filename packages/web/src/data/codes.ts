import { CodeHistory, IssuedCode, type IssueCodeBody } from '@prostopcovid/contracts/codes';
import { apiRequest } from './api';
import { createLocalState } from './local-state';

export type CaseKind = IssueCodeBody['caseKind'];
export type { IssuedCode };
export type CodeHistoryEntry = CodeHistory['codes'][number];

type HistoryState = { status: 'idle' | 'loading' } | { status: 'loaded'; codes: CodeHistoryEntry[] } | { status: 'error'; message: string };

/**
 * The professional's code history. The code itself is returned to the caller once and never
 * kept here: it must not outlive its display (docs/domain.md, Declaration codes).
 */
const history = createLocalState<HistoryState>({ status: 'idle' });
const setHistory = history.set;

export function useCodeHistory(): HistoryState {
  return history.use();
}

export async function loadCodeHistory(): Promise<void> {
  if (history.get().status !== 'loaded') setHistory({ status: 'loading' });
  try {
    const { codes } = await apiRequest(CodeHistory, 'GET', '/api/codes');
    setHistory({ status: 'loaded', codes });
  } catch (error) {
    setHistory({ status: 'error', message: error instanceof Error ? error.message : 'Erreur inconnue' });
  }
}

export async function issueCode(caseKind: CaseKind, qrCodeUnavailable: boolean, resultRetrievalCode?: string): Promise<IssuedCode> {
  const issued = await apiRequest(IssuedCode, 'POST', '/api/codes', {
    caseKind,
    qrCodeUnavailable,
    ...(resultRetrievalCode ? { resultRetrievalCode } : {}),
  });
  void loadCodeHistory();
  return issued;
}
