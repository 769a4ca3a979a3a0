import { migrateInstallation, type MigrateReport, type TablePlan } from '../../composition/migrate-installation.js';
import { ProgressBar } from '../client/progress.js';
import type { CliIo } from '../io.js';
import { CliFailure, expectOperands, guarded, loadCliConfig, splitArgs, UsageError } from './account-db.js';

export const MIGRATE_HELP = `Usage: herald migrate --to postgres://USER:PASSWORD@HOST:PORT/DATABASE [options]

Copies an embedded (SQLite) installation into PostgreSQL, for scale-out mode (database-url):
messages of the topics (attachment metadata; the files stay in attachment-cache-dir), users,
tokens and access rules, API keys, the audit log, the server's secrets, push devices and their
topics, the push ledger (pushes, deliveries, statistics), the notify store (subscribers,
categories, templates, preferences, notifications, inbox, digests, suppressions) and pending
queue work. The SQLite files are those of the same config 'herald serve' reads
(cache-file, auth-file, database-file, queue-file). Stop Herald first.

The target schema (the URL's search_path, e.g. ?options=-c%20search_path%3Dherald) is brought up
to date with Herald's own migrations, then filled table by table in batches, each committed with
a record of how far it got: if the copy stops (Ctrl-C, a crash, a lost connection), run the same
command again and it continues where it stopped; run it after it finished and it copies nothing.
It refuses a target holding data that it did not copy itself.

Options:
      --to URL             the PostgreSQL database to copy into (default: database-url)
      --dry-run            check both sides and count what would be copied; write nothing
      --batch-size N       rows per transaction (default 1000)
  -c, --config FILE        YAML config file; any --<config key> VALUE is read too

Example:
  herald migrate -c /etc/herald/server.yml --to 'postgres://herald:secret@db:5432/herald'
`;

const DEFAULT_BATCH = 1000;

/** `herald migrate`: copy a SQLite installation into PostgreSQL, with progress on stderr and a summary on stdout. */
export async function runMigrate(args: string[], io: CliIo): Promise<number> {
  let interrupted = false;
  const code = await guarded(io, 'migrate', async () => {
    const { positionals, own, configArgs } = splitArgs(args, [
      { long: 'to', value: true },
      { long: 'dry-run', value: false },
      { long: 'batch-size', value: true },
    ]);
    expectOperands(positionals, 0, 0, 'herald migrate --to postgres://… [--dry-run] [--batch-size N]');
    const batchSize = own['batch-size'] === undefined ? DEFAULT_BATCH : Number(own['batch-size']);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new UsageError('--batch-size needs a whole number from 1 to 100000');
    const config = loadCliConfig(configArgs, io.env);

    // Ctrl-C or SIGTERM: finish the batch in flight (it commits with its progress), then stop.
    const abort = new AbortController();
    const stop = () => abort.abort();
    io.signals.once('SIGINT', stop);
    io.signals.once('SIGTERM', stop);
    const started = Date.now();
    const progress = new CopyProgress(io);
    let report: MigrateReport;
    try {
      report = await migrateInstallation(config, {
        ...(typeof own.to === 'string' ? { to: own.to } : {}),
        batchSize,
        dryRun: own['dry-run'] === true,
        signal: abort.signal,
        onPlan: (plan) => progress.plan(plan),
        onBatch: (table, rows) => progress.batch(table, rows),
      });
    } catch (err) {
      progress.finish();
      // Not a usage mistake: the reason, once, without a stack (and never a password: the
      // PostgreSQL adapter names the server by its redacted URL).
      throw new CliFailure(err instanceof Error ? err.message : String(err));
    } finally {
      io.signals.off('SIGINT', stop);
      io.signals.off('SIGTERM', stop);
    }
    progress.finish();
    io.stdout.write(summary(report, (Date.now() - started) / 1000));
    interrupted = report.interrupted;
  });
  return code === 0 && interrupted ? 130 : code;
}

/**
 * One bar for the whole copy, labelled with the table in progress; without a terminal, one line
 * per table as it starts instead, so a log still shows how far it got.
 */
class CopyProgress {
  readonly #io: CliIo;
  readonly #bar: ProgressBar;
  #plan = new Map<string, TablePlan>();
  #done = 0;
  #table = '';
  /** Table names are padded to one width: a shorter one redrawn over a longer would leave its tail. */
  #width = 0;

  constructor(io: CliIo) {
    this.#io = io;
    this.#bar = new ProgressBar(io.stderr, 'copying', 0);
  }

  plan(plan: readonly TablePlan[]): void {
    this.#plan = new Map(plan.map((p) => [p.table, p]));
    this.#width = Math.max(0, ...plan.map((p) => p.table.length));
    this.#bar.setTotal(plan.reduce((n, p) => n + p.remaining, 0));
    this.#bar.update(0);
  }

  batch(table: string, rows: number): void {
    if (table !== this.#table) {
      this.#table = table;
      if (this.#io.stderr.isTTY !== true) this.#io.stderr.write(`copying ${table} (${this.#plan.get(table)?.remaining ?? '?'} rows)\n`);
    }
    this.#done += rows;
    this.#bar.update(this.#done, table.padEnd(this.#width));
  }

  finish(): void {
    this.#bar.finish();
  }
}

function summary(report: MigrateReport, seconds: number): string {
  const lines: string[] = [];
  const target = `${report.where} (schema ${report.schema})`;
  lines.push(report.dryRun ? `Dry run, nothing written. Would copy into ${target}:` : `Copied into ${target}:`);
  const header = ['table', 'in SQLite', report.dryRun ? 'to copy' : 'copied now', 'copied before'];
  const rows = report.tables.map((t) => [t.table, String(t.sourceRows), String(report.dryRun ? t.remaining : t.copied), String(t.copiedBefore)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  lines.push(line(header), ...rows.map(line));
  if (report.skipped.length > 0) lines.push(`Not configured (in memory), nothing to copy: ${report.skipped.join(', ')}.`);
  const copied = report.tables.reduce((n, t) => n + t.copied, 0);
  const remaining = report.tables.reduce((n, t) => n + t.remaining, 0);
  if (report.dryRun) lines.push(`${remaining} rows to copy.`);
  else if (report.interrupted) lines.push(`Interrupted after ${copied} rows (${seconds.toFixed(1)} s): run the same command again to copy the remaining ${remaining - copied}.`);
  else lines.push(`${copied} rows copied in ${seconds.toFixed(1)} s; the identity sequences now start past the copied ids. Now set database-url to this database (and unset auth-file: the accounts live there too) and start Herald.`);
  return `${lines.join('\n')}\n`;
}
