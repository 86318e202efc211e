import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`create table test_results (
      id uuid primary key default gen_random_uuid(),
      test_type text not null check (test_type in ('antigen', 'supervised-self-test', 'rt-pcr')),
      family_name text not null,
      given_name text not null,
      birth_date date not null,
      sex text not null check (sex in ('F', 'M', 'U')),
      email text,
      phone text,
      sampled_at timestamptz not null,
      result text not null check (result in ('detected', 'not-detected')),
      device_id text,
      place text not null,
      professional_id uuid references professionals(id),
      recorded_at timestamptz not null
    )`,
    sql`create index test_results_professional_idx on test_results (professional_id, recorded_at desc)`,
    sql`create table vaccinations (
      id uuid primary key default gen_random_uuid(),
      family_name text not null,
      given_name text not null,
      birth_date date not null,
      sex text not null check (sex in ('F', 'M', 'U')),
      email text,
      phone text,
      product text not null,
      manufacturer text not null,
      prophylaxis text not null,
      dose_number integer not null check (dose_number between 1 and 9),
      series_total integer not null check (series_total between 1 and 9 and dose_number <= series_total),
      vaccinated_on date not null,
      lot_number text not null,
      place text not null,
      professional_id uuid not null references professionals(id),
      recorded_at timestamptz not null
    )`,
    sql`create index vaccinations_professional_idx on vaccinations (professional_id, recorded_at desc)`,
  ]) {
    await statement.execute(db);
  }
}
