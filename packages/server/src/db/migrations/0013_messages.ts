import { sql, type Kysely } from 'kysely';

/**
 * Urgent messages to professionals (docs/domain.md §5).
 * - professional_zones: one row per (profession, department) of a professional's exercices, from
 *   the postcodes of their PSC activities, replaced at each sign-in; department '' when no
 *   activity has a known address (reached by national messages only).
 * - messages and their versions: a correction is a new version, the old one is kept.
 * - message_recipients: who a published version targeted (and who opened it later), with the
 *   profession and department they were counted under, and their read and acknowledgement.
 * - message_emails: the e-mail queue, taken with FOR UPDATE SKIP LOCKED; one row per recipient,
 *   version and kind, so an e-mail is queued at most once; `not_before` spreads the sending.
 * No foreign key from the big tables to professionals: a 500,000-row fan-out would check each one,
 * and professionals are never deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`alter table professionals add column email text`,
    sql`create table professional_zones (
      professional_id uuid not null references professionals (id) on delete cascade,
      profession text not null,
      department text not null,
      region text not null,
      primary key (professional_id, profession, department)
    )`,
    sql`create index professional_zones_department_idx on professional_zones (department, profession)`,
    sql`create index professional_zones_region_idx on professional_zones (region, profession)`,
    sql`create table message_series (
      series text not null,
      year integer not null,
      last_number integer not null,
      primary key (series, year)
    )`,
    sql`create table messages (
      id uuid primary key default gen_random_uuid(),
      series text not null,
      -- the author's region for an ARS message; null for a national (DGS) one
      scope_region text,
      reference text unique,
      status text not null check (status in ('draft', 'published', 'withdrawn')),
      current_version integer not null default 1,
      created_by uuid not null references professionals (id),
      created_at timestamptz not null,
      updated_at timestamptz not null,
      published_at timestamptz,
      withdrawn_at timestamptz,
      withdraw_reason text
    )`,
    sql`create index messages_published_idx on messages (published_at desc) where status = 'published'`,
    sql`create table message_versions (
      message_id uuid not null references messages (id),
      version integer not null,
      title text not null,
      body text not null,
      body_html text not null,
      kind text not null check (kind in ('information', 'action')),
      priority text not null check (priority in ('high', 'normal')),
      professions text[],
      zone_national boolean not null,
      zone_regions text[] not null,
      zone_departments text[] not null,
      expires_at timestamptz,
      attachment_ids uuid[] not null default '{}',
      correction_note text,
      published_at timestamptz,
      published_by uuid references professionals (id),
      reminders_queued_at timestamptz,
      primary key (message_id, version)
    )`,
    sql`create table message_attachments (
      id uuid primary key default gen_random_uuid(),
      message_id uuid not null references messages (id),
      filename text not null,
      content bytea not null,
      bytes integer not null,
      sha256 text not null,
      created_at timestamptz not null
    )`,
    sql`create index message_attachments_message_idx on message_attachments (message_id)`,
    sql`create table message_recipients (
      message_id uuid not null,
      version integer not null,
      professional_id uuid not null,
      profession text not null,
      department text not null,
      region text not null,
      -- not targeted at publication (signed in for the first time, or moved, since): opened it later
      late boolean not null default false,
      read_at timestamptz,
      acknowledged_at timestamptz,
      primary key (message_id, version, professional_id),
      foreign key (message_id, version) references message_versions (message_id, version)
    )`,
    sql`create index message_recipients_professional_idx on message_recipients (professional_id)`,
    sql`create table message_emails (
      id bigint generated always as identity primary key,
      message_id uuid not null,
      version integer not null,
      professional_id uuid not null,
      kind text not null check (kind in ('message', 'reminder')),
      address text not null,
      status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed', 'bounced', 'interrupted', 'cancelled')),
      not_before timestamptz not null,
      attempts integer not null default 0,
      claimed_at timestamptz,
      sent_at timestamptz,
      error text,
      unique (message_id, version, professional_id, kind),
      foreign key (message_id, version) references message_versions (message_id, version)
    )`,
    sql`create index message_emails_due_idx on message_emails (not_before) where status = 'queued'`,
    sql`create index message_emails_sending_idx on message_emails (claimed_at) where status = 'sending'`,
  ]) {
    await statement.execute(db);
  }
}
