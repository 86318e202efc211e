import { Type, type Static } from 'typebox';

/*
 * The ROBERT exposure-notification protocol (docs/domain.md, Exposure notification), with
 * robert-server's field names. Binary values travel as standard Base64 with padding; times
 * are NTP seconds (seconds since 1900-01-01T00:00:00Z). The README documents every layout.
 */

/** Time is cut in epochs of 15 minutes, counted from the service's start (`timeStart`). */
export const EPOCH_SECONDS = 900;
export const EPOCHS_PER_DAY = 96;
/** NTP seconds = Unix seconds + this. */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;
/** ECC XORs the country of the EBID's server into the first byte of AES(K_G, EBID ‖ 0^64). */
export const COUNTRY_CODE_FRANCE = 0x21;
/** First byte of every MAC input, so that a MAC for one use is worthless for another. */
export const SALT = { hello: 0x01, status: 0x02, unregister: 0x03, deleteHistory: 0x04 } as const;
export const HELLO_BYTES = 16;
export const EBID_BYTES = 8;
export const HELLO_MAC_BYTES = 5;
/** A HELLO's own time may differ this much from when it was heard. */
export const HELLO_TIME_TOLERANCE_SECONDS = 180;
/** A status, unregister or deleteExposureHistory request's time may differ this much from the server's. */
export const REQUEST_TIME_TOLERANCE_SECONDS = 60;
/** At least this many epochs between two status requests of one registration. */
export const STATUS_MIN_EPOCHS = 2;
/** Register and status hand out (EBID, ECC) pairs for this many days. */
export const TUPLE_DAYS = 4;
/** Phones keep what they heard, and the server exposures, this long. */
export const CONTACT_HISTORY_DAYS = 14;
/** The notification holds while the last exposure is this recent. */
export const NOTIFICATION_WINDOW_DAYS = 7;
/**
 * What a report may hold. Ten days in a classroom heard every 10 s come to about 300,000 HELLOs;
 * scoring saturates at 6 HELLOs in a 2-minute window, so a phone over these bounds thins each
 * contact evenly (`contactsToReport`) and loses little or nothing of its score. About 100 bytes
 * of JSON per HELLO: the body limit follows.
 */
export const MAX_REPORT_CONTACTS = 50_000;
export const MAX_REPORT_HELLOS = 200_000;
export const MAX_HELLOS_PER_CONTACT = 1_000;
export const MAX_REPORT_BODY_BYTES = 24 * 1024 * 1024;
/** riskLevel values: robert-server's scale, of which this service uses the two ends. */
export const RISK_LEVEL = { none: 0, high: 4 } as const;

const base64Of = (bytes: number, description: string) => {
  // Standard alphabet, padded: 4 characters per 3 bytes.
  const chars = Math.ceil(bytes / 3) * 4;
  const padding = (3 - (bytes % 3)) % 3;
  return Type.String({ pattern: `^[A-Za-z0-9+/]{${chars - padding}}${'='.repeat(padding)}$`, description: `Base64 of ${bytes} bytes: ${description}` });
};

const Ebid = base64Of(EBID_BYTES, 'the EBID');
const EpochId = Type.Integer({ minimum: 0, maximum: 0xffffff, description: 'Epoch number since timeStart (24 bits)' });
const NtpSeconds = Type.Integer({ minimum: 0, maximum: 0xffffffff, description: 'NTP seconds (32 bits)' });

export const ClientConfigEntry = Type.Object({ name: Type.String(), value: Type.Union([Type.String(), Type.Number(), Type.Boolean()]) });

/** Public settings a phone needs before it registers. */
export const RobertConfig = Type.Object({
  serverPublicECDHKey: Type.String({ description: "Base64 of the server's P-256 public key (X.509 SubjectPublicKeyInfo, DER)" }),
  timeStart: NtpSeconds,
  epochDurationSeconds: Type.Integer(),
  countryCode: Type.Integer(),
  captchaRequired: Type.Boolean({ description: 'Whether register needs a solved proof of work from /captcha' }),
});
export type RobertConfig = Static<typeof RobertConfig>;

export const CaptchaChallenge = Type.Object({
  id: Type.String({ description: 'The challenge, sent back as captchaId' }),
  difficulty: Type.Integer({ description: 'Leading zero bits SHA-256(id ":" captcha) must have' }),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type CaptchaChallenge = Static<typeof CaptchaChallenge>;

export const RegisterBody = Type.Object(
  {
    clientPublicECDHKey: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9+/]+={0,2}$', description: "Base64 of the phone's P-256 public key (X.509 SubjectPublicKeyInfo, DER)" }),
    captchaId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    captcha: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9]+$', description: 'The proof-of-work answer' })),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const Registered = Type.Object({
  tuples: Type.String({ description: 'Base64 of IV (12) ‖ AES-256-GCM(KA_tuples, JSON tuples) ‖ tag (16)' }),
  timeStart: NtpSeconds,
  config: Type.Array(ClientConfigEntry),
  message: Type.Optional(Type.String()),
});
export type Registered = Static<typeof Registered>;

/** The decrypted `tuples`: one (EBID, ECC) per epoch. */
export const Tuple = Type.Object({ epochId: EpochId, key: Type.Object({ ebid: Ebid, ecc: base64Of(1, 'the ECC') }) });
export const Tuples = Type.Array(Tuple);
export type Tuple = Static<typeof Tuple>;

/** status, unregister and deleteExposureHistory: the phone proves it holds KA_mac for a current EBID. */
export const AuthenticatedBody = Type.Object(
  {
    ebid: Ebid,
    epochId: EpochId,
    time: base64Of(4, 'NTP seconds of the request, big-endian'),
    mac: base64Of(32, 'HMAC-SHA256(KA_mac, salt ‖ EBID ‖ epochId (4, big-endian) ‖ time (4))'),
  },
  { additionalProperties: false },
);
export type AuthenticatedBody = Static<typeof AuthenticatedBody>;

export const Status = Type.Object({
  riskLevel: Type.Integer({ description: '4: at risk (notify), 0: no contact at risk' }),
  lastContactDate: Type.Optional(Type.String({ pattern: '^\\d+$', description: 'At risk: NTP seconds of the day of the last exposure, moved by up to one day either way' })),
  lastRiskScoringDate: Type.Optional(Type.String({ pattern: '^\\d+$', description: 'NTP seconds when a report last scored this registration' })),
  tuples: Type.Optional(Type.String({ description: 'New tuples when fewer than 2 days are left (same layout as register)' })),
  config: Type.Array(ClientConfigEntry),
  message: Type.Optional(Type.String()),
});
export type Status = Static<typeof Status>;

export const Hello = Type.Object(
  {
    timeCollectedOnDevice: NtpSeconds,
    timeFromHelloMessage: Type.Integer({ minimum: 0, maximum: 0xffff, description: 'The 16-bit time inside the HELLO' }),
    mac: base64Of(HELLO_MAC_BYTES, 'the HELLO MAC'),
    rssiCalibrated: Type.Integer({ minimum: -127, maximum: 127 }),
  },
  { additionalProperties: false },
);
export type Hello = Static<typeof Hello>;

export const ReportContact = Type.Object(
  { ebid: Ebid, ecc: base64Of(1, 'the ECC'), ids: Type.Array(Hello, { minItems: 1, maxItems: MAX_HELLOS_PER_CONTACT }) },
  { additionalProperties: false },
);
export type ReportContact = Static<typeof ReportContact>;

export const ReportBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200, description: 'The uploadToken of a declaration (redeemed code)' }),
    contacts: Type.Array(ReportContact, { maxItems: MAX_REPORT_CONTACTS }),
  },
  { additionalProperties: false },
);
export type ReportBody = Static<typeof ReportBody>;

export const Reported = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  accepted: Type.Integer({ description: 'HELLOs queued for validation' }),
  rejectedOutsideWindow: Type.Integer({ description: 'HELLOs heard outside the declaration window, not kept' }),
});
export type Reported = Static<typeof Reported>;

export const Done = Type.Object({ success: Type.Boolean(), message: Type.Optional(Type.String()) });
export type Done = Static<typeof Done>;

export const Clock = Type.Object({
  serverStartTime: Type.String({ format: 'date-time' }),
  time: Type.String({ format: 'date-time' }),
  epoch: Type.Integer(),
});
export type Clock = Static<typeof Clock>;

/** The protocol's key figures (operator API and page, and /metrics). */
export const RobertKpis = Type.Object({
  reports: Type.Integer({ description: 'Reports validated and scored by the workers' }),
  reportsReceived: Type.Integer({ description: 'Reports accepted by the API (queued)' }),
  hellosReceived: Type.Integer({ description: 'HELLOs sent in reports' }),
  hellosChecked: Type.Integer({ description: 'HELLOs kept (inside the declaration window) and checked by the workers' }),
  hellosValidated: Type.Integer(),
  dropped: Type.Record(Type.String(), Type.Integer(), { description: 'HELLOs not counted, by reason: outside_window, country, ebid, unknown_ida, mac, time, epoch, duplicate, overrun' }),
  alertedUsers: Type.Integer({ description: 'Times a registration became at risk' }),
  notifiedUsers: Type.Integer({ description: 'At-risk answers given to a status request (once per alert)' }),
  atRiskUsers: Type.Integer({ description: 'Registrations at risk now' }),
  exposedButNotAtRiskUsers: Type.Integer({ description: 'Registrations with exposures, not at risk' }),
  registrationsEstimate: Type.Integer({ description: "The planner's estimate of the registrations (exact counts cost too much)" }),
  queuedReports: Type.Integer(),
});
export type RobertKpis = Static<typeof RobertKpis>;

export const KpisQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'First day (Europe/Paris), inclusive' })),
    to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Last day, inclusive' })),
  },
  { additionalProperties: false },
);
export type KpisQuery = Static<typeof KpisQuery>;
