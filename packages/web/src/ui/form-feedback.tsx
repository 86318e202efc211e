import type { ReactNode } from 'react';

/** Why what the person asked failed or is refused, read out at once (role="alert"); nothing when there is no message. */
export function ErrorAlert({ children }: { children: ReactNode }) {
  if (children === undefined || children === null || children === false || children === '') return null;
  return (
    <p className="alert alert-error" role="alert">
      {children}
    </p>
  );
}

/** A form's submit button, disabled and relabelled while its request runs (no second submission). */
export function SubmitButton({ busy, label, busyLabel }: { busy: boolean; label: string; busyLabel: string }) {
  return (
    <button type="submit" disabled={busy}>
      {busy ? busyLabel : label}
    </button>
  );
}

/** What a professional without the operator right reads on an operator's page, under its title. */
export function OperatorOnlyNotice({ title }: { title: string }) {
  return (
    <>
      <h1>{title}</h1>
      <ErrorAlert>Cette page est réservée aux opérateurs de l'autorité sanitaire (DGS, agences régionales de santé).</ErrorAlert>
    </>
  );
}
