import { useEffect, useRef, type ReactNode } from 'react';

/** The confirmation card: its heading takes the focus so the change of page is announced. */
export function Confirmation({ title, children, againLabel, onAgain }: { title: string; children: ReactNode; againLabel: string; onAgain: () => void }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <section className="card confirmation" aria-labelledby="titre-confirmation" data-testid="act-recorded">
      <h2 id="titre-confirmation" tabIndex={-1} ref={ref}>
        <span aria-hidden="true">✔</span> {title}
      </h2>
      {children}
      <button type="button" onClick={onAgain}>
        {againLabel}
      </button>
    </section>
  );
}
