import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  countriesWithRules,
  importTrustList,
  parseRules,
  toGatewayEntry,
  trustedSignerFromDer,
  valueSetCodes,
  type BusinessRule,
  type TrustedSigner,
  type ValueSetCodes,
} from '@prostopcovid/dcc';
import { defaultRules, DEFAULT_VALUE_SETS } from '@prostopcovid/dcc/defaults';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { ChangeFeed } from '../../platform/change-feed.js';
import type { Clock } from '../../platform/clock.js';

/** A JSON document as published: its bytes and their ETag, computed once per snapshot. */
export interface Published {
  body: string;
  etag: string;
}

export interface TrustListStatus {
  source?: string;
  /** When the imported list was last read successfully. */
  loadedAt?: string;
  imported: number;
  rejected: number;
  /** The last failure to read it, if the latest attempt failed. */
  error?: string;
}

export interface ListsSnapshot {
  signers: readonly TrustedSigner[];
  rules: readonly BusinessRule[];
  codes: ValueSetCodes;
  countries: readonly string[];
  trustList: TrustListStatus;
  published: { ownSigners: Published; rules: Published; rulesByCountry: ReadonlyMap<string, Published>; valueSets: Published; bundle: Published };
}

const MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 15_000;

const publish = (value: unknown): Published => {
  const body = JSON.stringify(value);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"` };
};

/** Shipped rules, with those of each country in the rules file replacing the shipped ones of that country. */
export function loadRules(rulesFile: string | undefined): BusinessRule[] {
  const shipped = defaultRules();
  if (!rulesFile) return shipped;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(rulesFile, 'utf8'));
  } catch (cause) {
    throw new Error(`DCC_RULES_FILE ${rulesFile} : fichier illisible ou JSON invalide`, { cause });
  }
  const extra = parseRules(json);
  const replaced = new Set(extra.map((rule) => rule.Country));
  return [...shipped.filter((rule) => !replaced.has(rule.Country)), ...extra];
}

function derOfPem(path: string): Uint8Array {
  return new Uint8Array(new X509Certificate(readFileSync(path)).raw);
}

interface ListsDeps {
  config: Config['verifier'];
  /** DER of this service's current document signer certificate. */
  signerCertificateDer: Uint8Array;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Called with the counts after each snapshot, for the metrics. */
  onSnapshot?: (snapshot: ListsSnapshot) => void;
}

/**
 * What a verifier needs, held by the server: the document signers it trusts (this service's own,
 * and those of a trust list in the EU DCC Gateway format read from a file or URL at start and
 * every DCC_TRUST_LIST_REFRESH_MINUTES), the business rules and the value sets; and the same,
 * serialised once per change with an ETag, for the public endpoints and the offline verifier page.
 * A failed refresh keeps the previous list; a URL's last good download is kept on disk so a
 * restart during a gateway outage still trusts it.
 */
export class VerifierLists {
  private current: ListsSnapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ownSigners: TrustedSigner[] = [];
  private imported: TrustedSigner[] = [];
  private status: TrustListStatus = { imported: 0, rejected: 0 };
  private readonly rules: BusinessRule[];

  constructor(private readonly deps: ListsDeps) {
    this.rules = loadRules(deps.config.rulesFile);
  }

  private digest: string | undefined;
  private feed: { changes: ChangeFeed; db: Db } | undefined;

  /**
   * Keeps the processes of a deployment on the same list: a process that imports a new one
   * says so (its SHA-256), and the others, holding another, read the source again at once
   * instead of at their next refresh. Without it, two processes behind one load balancer could
   * answer with two lists (two ETags) for up to DCC_TRUST_LIST_REFRESH_MINUTES.
   */
  attach(changes: ChangeFeed, db: Db): void {
    this.feed = { changes, db };
    const heard = (digest: string) => {
      if (digest === this.digest) return;
      void this.refreshTrustList(false).then(() => this.rebuild());
    };
    changes.subscribe('trust_list', heard);
    changes.onResync(() => heard(''));
  }

  async start(): Promise<void> {
    const ders = [this.deps.signerCertificateDer, ...this.deps.config.previousSignerCertFiles.map(derOfPem)];
    this.ownSigners = await Promise.all(ders.map((der) => trustedSignerFromDer(der, { origin: 'own' })));
    if (this.deps.config.trustListSource) {
      this.status.source = this.deps.config.trustListSource;
      await this.refreshTrustList();
    }
    await this.rebuild();
    if (this.deps.config.trustListSource) {
      this.timer = setInterval(() => void this.refreshAndRebuild(), this.deps.config.trustListRefreshMinutes * 60_000);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  snapshot(): ListsSnapshot {
    if (!this.current) throw new Error('VerifierLists.start() was not awaited');
    return this.current;
  }

  /** Reads the source again and publishes the lists; tells the other processes when the list changed. */
  async refreshAndRebuild(): Promise<void> {
    await this.refreshTrustList();
    await this.rebuild();
  }

  /**
   * Reads the configured trust list again; on failure the previous one stays. `announce`: when
   * the list differs from the one held, the other processes are told (not when this read
   * itself answers their announcement).
   */
  async refreshTrustList(announce = true): Promise<void> {
    const source = this.deps.config.trustListSource;
    if (!source) return;
    const remote = /^https?:\/\//.test(source);
    try {
      const text = remote ? await this.download(source) : await readFile(source, 'utf8');
      await this.importText(text);
      if (remote) this.keepDownload(text);
      const digest = createHash('sha256').update(text).digest('hex');
      const changed = digest !== this.digest;
      this.digest = digest;
      if (changed && announce && this.feed) {
        await this.feed.changes.publish(this.feed.db, 'trust_list', digest).catch((error: unknown) => {
          this.deps.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'trust list: could not tell the other processes');
        });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.status = { ...this.status, error: message };
      this.deps.log.error({ source, err: message }, 'trust list: read failed, previous list kept');
      if (this.imported.length === 0 && remote) await this.importCachedDownload();
    }
  }

  /** `readAt`: when the text was read from its source (a kept download's is older than now). */
  private async importText(text: string, readAt: Date = this.deps.clock.now()): Promise<void> {
    const result = await importTrustList(JSON.parse(text) as unknown, { now: this.deps.clock.now() });
    this.imported = result.signers;
    this.status = { ...(this.status.source && { source: this.status.source }), loadedAt: readAt.toISOString(), imported: result.signers.length, rejected: result.rejected.length };
    if (result.rejected.length > 0) {
      this.deps.log.warn({ rejected: result.rejected.slice(0, 50), count: result.rejected.length }, 'trust list: entries left out');
    }
    this.deps.log.info({ imported: result.signers.length, rejected: result.rejected.length }, 'trust list imported');
  }

  /** The list from its URL: no redirect (an https source cannot send us elsewhere), read up to MAX_DOWNLOAD_BYTES. */
  private async download(url: string): Promise<string> {
    const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), headers: { accept: 'application/json' }, redirect: 'error' });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    if (Number(response.headers.get('content-length') ?? 0) > MAX_DOWNLOAD_BYTES) throw new Error('trust list too large');
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > MAX_DOWNLOAD_BYTES) throw new Error('trust list too large');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private keepDownload(text: string): void {
    const file = this.deps.config.trustListCacheFile;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(`${file}.${process.pid}.tmp`, text);
      renameSync(`${file}.${process.pid}.tmp`, file);
    } catch (error) {
      this.deps.log.warn({ file, err: error instanceof Error ? error.message : String(error) }, 'trust list: could not keep the download');
    }
  }

  private async importCachedDownload(): Promise<void> {
    try {
      const file = this.deps.config.trustListCacheFile;
      await this.importText(await readFile(file, 'utf8'), (await stat(file)).mtime);
      this.status = { ...this.status, error: `${this.status.error ?? ''} (copie du ${this.status.loadedAt} relue)`.trim() };
      this.deps.log.warn({ file: this.deps.config.trustListCacheFile }, 'trust list: last good download used');
    } catch {
      // No copy yet: this service's own signers only, until the source answers.
    }
  }

  private async rebuild(): Promise<void> {
    const signers = [...this.ownSigners, ...this.imported.filter((s) => !this.ownSigners.some((own) => own.kidBase64 === s.kidBase64))];
    // Stable timestamps (the certificate's start), so every server process publishes the same bytes and ETag.
    const entries = await Promise.all(signers.map(async (signer) => ({ ...(await toGatewayEntry(signer, signer.certificate.notBefore)), origin: signer.origin })));
    const countries = countriesWithRules(this.rules);
    const valueSets = DEFAULT_VALUE_SETS;
    this.current = {
      signers,
      rules: this.rules,
      codes: valueSetCodes(valueSets),
      countries,
      trustList: this.status,
      published: {
        ownSigners: publish(entries.filter((entry) => entry.origin === 'own').map(({ origin: _origin, ...entry }) => entry)),
        rules: publish(this.rules),
        rulesByCountry: new Map([...new Set(this.rules.map((rule) => rule.Country))].map((code) => [code, publish(this.rules.filter((rule) => rule.Country === code))])),
        valueSets: publish(valueSets),
        bundle: publish({
          maxAgeHours: this.deps.config.listsMaxAgeHours,
          country: this.deps.config.country,
          countries,
          signers: entries,
          rules: this.rules,
          valueSets,
        }),
      },
    };
    this.deps.onSnapshot?.(this.current);
  }
}
