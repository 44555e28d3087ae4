// build.mjs bundles the faces of citizengraph (go generate ./internal/web):
// every app under src/<app>/ (an index.html and a main.js, .jsx, .ts or .tsx
// entry) becomes dist/<app>/index.html and its content-hashed bundle, and
// shared assets (fonts, icons) go to dist/assets/, served under /static/.
// The output is deterministic: same sources and lockfile, same bytes.
//
// node_modules is installed with `npm ci` when missing or installed from
// another package-lock.json, so a fresh clone needs only Node and the npm
// registry (or npm's cache).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphqlPlugin, writeManifest } from './operations.mjs';

const here = dirname(fileURLToPath(import.meta.url));
process.chdir(here);

/** installs node_modules from package-lock.json unless they already match it. */
export function ensureModules() {
  const lock = createHash('sha256').update(readFileSync('package-lock.json')).digest('hex');
  const marker = join('node_modules', '.citizengraph-lock');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === lock) return;
  console.error('web: npm ci (node_modules missing or from another package-lock.json)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { stdio: ['ignore', 2, 2] });
  writeFileSync(marker, lock);
}

const entryExts = ['js', 'jsx', 'ts', 'tsx'];

/** apps are the directories of src/ with an index.html and a main entry. */
function apps() {
  return readdirSync('src', { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'shared' && existsSync(join('src', d.name, 'index.html')))
    .map((d) => {
      const ext = entryExts.find((e) => existsSync(join('src', d.name, `main.${e}`)));
      if (!ext) throw new Error(`src/${d.name}: index.html without main.{${entryExts.join(',')}}`);
      return { name: d.name, entry: `src/${d.name}/main.${ext}` };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * copyAsset copies a source file (named by a page as {{asset:shared/x.svg}},
 * relative to src/) to dist/assets/ under a content-hashed name, and returns
 * its URL.
 */
function copyAsset(file) {
  const body = readFileSync(file);
  const hash = createHash('sha256').update(body).digest('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 8).toUpperCase();
  const base = file.split('/').pop();
  const dot = base.lastIndexOf('.');
  const name = `${base.slice(0, dot)}-${hash}${base.slice(dot)}`;
  mkdirSync(join('dist', 'assets'), { recursive: true });
  writeFileSync(join('dist', 'assets', name), body);
  return `/static/assets/${name}`;
}

async function build() {
  ensureModules();
  const esbuild = await import('esbuild');
  const graphql = await import('graphql');
  const list = apps();
  rmSync('dist', { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: list.map((a) => ({ in: a.entry, out: `${a.name}/main` })),
    outdir: 'dist',
    entryNames: '[dir]/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    publicPath: '/static/',
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    legalComments: 'linked',
    charset: 'utf8',
    metafile: true,
    plugins: [graphqlPlugin(graphql)],
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: {
      '.js': 'jsx',
      '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file',
      '.svg': 'file', '.png': 'file', '.jpg': 'file', '.gif': 'file',
    },
  });
  const manifest = {};
  for (const a of list) {
    const [out, meta] = Object.entries(result.metafile.outputs).find(([, m]) => m.entryPoint === a.entry);
    const files = { js: '/static/' + out.slice('dist/'.length) };
    if (meta.cssBundle) files.css = '/static/' + meta.cssBundle.slice('dist/'.length);
    manifest[a.name] = files;
    let html = readFileSync(join('src', a.name, 'index.html'), 'utf8');
    html = html.replace(/\{\{asset:([A-Za-z0-9_./-]+)\}\}/g, (_, file) => copyAsset(join('src', file)));
    for (const [key, url] of Object.entries({ 'main.js': files.js, 'main.css': files.css })) {
      const token = `{{${key}}}`;
      if (html.includes(token) && !url) throw new Error(`src/${a.name}/index.html: ${token} but the app has no CSS`);
      html = html.replaceAll(token, url ?? '');
    }
    mkdirSync(join('dist', a.name), { recursive: true });
    writeFileSync(join('dist', a.name, 'index.html'), html);
  }
  writeFileSync(join('dist', 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  // The apps' operations (src/**/*.graphql), registered by serve as trusted documents.
  writeManifest(graphql, 'src', join('dist', 'trusted-documents.json'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  build().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
