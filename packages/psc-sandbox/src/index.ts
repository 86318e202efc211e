export type {
  AcrChoice,
  AuthenticationMeans,
  RunningSandbox,
  SandboxActivity,
  SandboxClient,
  SandboxExercice,
  SandboxLogger,
  SandboxProfessional,
  StartOptions,
} from './types.js';
export { professionals, SANDBOX_OPERATORS } from './professionals.js';
export { DEFAULT_ISSUER_PATH, startPscSandbox } from './sandbox.js';
export { CookieJar, driveLogin, driveLogout, type LoginChoice } from './testing.js';
