// Runs browser scenarios (see harness.mjs) and writes $CG_OUT/results.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launch, Test } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.env.CG_OUT || 'browser-results');
mkdirSync(join(out, 'screenshots'), { recursive: true });

const files = process.argv.slice(2).length
  ? process.argv.slice(2).map((f) => resolve(f))
  : readdirSync(here).filter((f) => f.endsWith('.scenario.mjs')).sort().map((f) => join(here, f));
const only = process.env.CG_ONLY ? new RegExp(process.env.CG_ONLY) : null;

const browser = await launch();
const results = [];
try {
  for (const file of files) {
    const { scenarios } = await import(pathToFileURL(file).href);
    for (const s of scenarios) {
      if (only && !only.test(s.name)) continue;
      const t = new Test(browser, s.name, out);
      const started = Date.now();
      try {
        await s.run(t);
        t.result.ok = true;
      } catch (err) {
        t.result.error = err?.stack || String(err);
        try {
          for (const c of t.contexts) for (const p of c.pages()) await p.screenshot({ path: join(out, 'screenshots', `${s.name}-FAILED-${c.pages().indexOf(p)}.png`) });
        } catch {}
      } finally {
        await t.close();
      }
      t.result.ms = Date.now() - started;
      console.error(`browser: ${t.result.ok ? 'ok  ' : 'FAIL'} ${s.name} (${t.result.ms} ms)`);
      results.push(t.result);
    }
  }
} finally {
  await browser.close();
}
writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2));
