import { Type, type Static } from 'typebox';
import { PlainText } from './common.js';

/** No published figure is under this: a count from 1 to 10 is shown as suppressed (null). */
export const SUPPRESSION_THRESHOLD = 11;
/** The longest period one request covers, in days. */
export const MAX_PERIOD_DAYS = 366;

const IsoDate = (description: string) => Type.String({ format: 'date', description });
const Count = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: `null: suppressed — between 1 and ${SUPPRESSION_THRESHOLD - 1}, or hidden so that such a count cannot be worked out from a published total` });
const Rate = Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()], { description: 'Percent, one decimal; null when a count it comes from is suppressed or zero' });

export const StatisticsQuery = Type.Object(
  {
    from: Type.Optional(IsoDate('First day (Paris), inclusive; default 27 days before `to`')),
    to: Type.Optional(IsoDate('Last day (Paris), inclusive; default today')),
    departments: Type.Optional(
      Type.String({ pattern: '^(([0-9]{2}|2[AB]|9[78][0-9])(,([0-9]{2}|2[AB]|9[78][0-9])){0,109})?$', description: 'Comma-separated INSEE department codes; default all of the scope' }),
    ),
    region: Type.Optional(Type.String({ pattern: '^[0-9]{2}$', description: "A region's INSEE code: its departments (national operators)" })),
    profession: Type.Optional(Type.String({ pattern: '^[0-9]{2}$', description: 'TRE_G15 code: acts and codes of that profession only (laboratory results have none)' })),
  },
  { additionalProperties: false },
);
export type StatisticsQuery = Static<typeof StatisticsQuery>;

export const StatisticsSeries = Type.Object({
  key: Type.String({ description: 'Stable: "tests.all", "positives.antigen", "positivity", "vaccinations.dose1", "codes.issued.short", "robert.notified"…' }),
  group: Type.Union([Type.Literal('codes'), Type.Literal('declarations'), Type.Literal('robert'), Type.Literal('tests'), Type.Literal('vaccinations'), Type.Literal('late')]),
  label: Type.String({ description: 'French' }),
  unit: Type.Union([Type.Literal('count'), Type.Literal('percent')]),
  /** ROBERT knows no place nor profession: national whatever the filters. */
  national: Type.Boolean(),
  values: Type.Array(Type.Union([Type.Number(), Type.Null()]), { description: 'One per day of `days`; null: suppressed (1 to 10, or hidden beside one), or for a rate not computable' }),
});
export type StatisticsSeries = Static<typeof StatisticsSeries>;

export const DepartmentFigures = Type.Object({
  code: Type.String({ description: 'INSEE code; "" for acts whose department is not known' }),
  name: Type.String(),
  tests: Count,
  positives: Count,
  positivity: Rate,
  vaccinations: Count,
  codesIssued: Count,
  codesUsed: Count,
  declarations: Count,
  lateActs: Count,
});
export type DepartmentFigures = Static<typeof DepartmentFigures>;

export const Statistics = Type.Object({
  scope: Type.Object({ kind: Type.Union([Type.Literal('national'), Type.Literal('regional')]), region: Type.Union([Type.String(), Type.Null()]), regionName: Type.Union([Type.String(), Type.Null()]) }),
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  departments: Type.Array(Type.String(), { description: 'The departments counted (the filter, or all of the scope)' }),
  profession: Type.Union([Type.String(), Type.Null()]),
  threshold: Type.Integer({ description: `${SUPPRESSION_THRESHOLD}: no published count is below it` }),
  refreshedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the figures were last rebuilt (every minute by default)' }),
  days: Type.Array(Type.String({ format: 'date' })),
  series: Type.Array(StatisticsSeries),
  byDepartment: Type.Array(DepartmentFigures, { description: 'Over the whole period, one line per department, then the total (code "total")' }),
  vaccinationsByProduct: Type.Array(Type.Object({ product: Type.String(), label: Type.String(), count: Count })),
  lateDelays: Type.Array(Type.Object({ bucket: Type.String(), label: Type.String(), tests: Count, vaccinations: Count }), { description: 'Acts entered late, by delay between the act and its entry' }),
  incidents: Type.Array(
    Type.Object({ id: Type.String(), component: Type.String(), label: Type.String(), startedAt: Type.String({ format: 'date-time' }), endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) }),
  ),
  options: Type.Object({
    regions: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
    departments: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), region: Type.String() })),
    professions: Type.Array(Type.Object({ code: Type.String(), label: Type.String() })),
  }),
});
export type Statistics = Static<typeof Statistics>;

// ---------------------------------------------------------------------------------------------
// Operators' API keys and the KPIs machines read with them (as submission-code-server had)

/** `label`: what the key is for, e.g. "Tableau de bord ARS". */
export const CreateOperatorKeyBody = Type.Object({ label: PlainText() }, { additionalProperties: false });
export const OperatorKey = Type.Object({
  id: Type.String(),
  label: Type.String(),
  region: Type.Union([Type.String(), Type.Null()], { description: "The creating operator's scope: null national, else the region whose figures it reads" }),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export const CreatedOperatorKey = Type.Object({ key: OperatorKey, apiKey: Type.String({ description: 'opk_…, shown once: only its SHA-256 is kept' }) });
export const OperatorKeyList = Type.Object({ keys: Type.Array(OperatorKey) });

export const KpiQuery = Type.Object(
  {
    fromDate: Type.String({ format: 'date', description: 'First day (Paris), inclusive' }),
    toDate: Type.String({ format: 'date', description: `Last day (Paris), inclusive; at most ${MAX_PERIOD_DAYS} days after fromDate` }),
  },
  { additionalProperties: false },
);
const KpiCount = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'null: between 1 and 10, suppressed' });
export const CodeKpi = Type.Object({
  date: Type.String({ format: 'date' }),
  nbShortCodesGenerated: KpiCount,
  nbLongCodesGenerated: KpiCount,
  nbShortCodesUsed: KpiCount,
  nbLongCodesUsed: KpiCount,
  nbShortExpiredCodes: KpiCount,
  nbLongExpiredCodes: KpiCount,
});
export const CodeKpis = Type.Array(CodeKpi);
