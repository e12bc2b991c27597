// The import allow-lists of every boundary folder, as an ESLint rule (issue 21). Each folder's
// README has the same table in words; this is the table that fails the build. VS Code's layering
// rule is the model: a file may import only what its layer lists, everything else is an error
// that names the layer and what it may import.
//
// A layer is the longest matching path prefix. `paths` are repository folders a file of the layer
// may import from (relative or through the @domain / @contract / @desk-api aliases); `packages`
// are npm packages (a name, or a prefix ending in '/'); `node` says whether Node built-ins are
// allowed. Tests of a layer (`*.test.ts(x)`, `testing.ts`, `testing/`) may also import any
// installed package, Node, and the folders in `testPaths`.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const aliases = { '@domain/': 'sync-server/domain/', '@contract/': 'sync-server/contract/', '@desk-api/': 'electron/desk-api/' };
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Whoever may import whom. Keep in step with the READMEs (each says so). */
export const layers = [
  { prefix: 'sync-server/domain/', name: 'sync-server/domain (pure)', paths: ['sync-server/domain/'], packages: [], node: false },
  {
    prefix: 'sync-server/contract/',
    name: 'sync-server/contract (pure)',
    paths: ['sync-server/contract/', 'sync-server/domain/'],
    packages: ['typebox'],
    node: false,
  },
  { prefix: 'sync-server/src/', name: 'sync-server/src', paths: ['sync-server/'], packages: ['*'], node: true, testPaths: ['tests/support/'] },
  {
    prefix: 'electron/desk-api/',
    name: 'electron/desk-api (types and pure helpers)',
    paths: ['electron/desk-api/'],
    typePaths: ['sync-server/domain/', 'sync-server/contract/'],
    packages: [],
    node: false,
  },
  {
    prefix: 'electron/desk-backend/',
    name: 'electron/desk-backend',
    paths: ['electron/desk-backend/', 'electron/desk-api/', 'sync-server/node-shared/', 'sync-server/contract/', 'sync-server/domain/', 'native/'],
    packages: ['*'],
    node: true,
    testPaths: ['sync-server/src/testing/', 'sync-server/src/demo/', 'tests/support/'],
  },
  {
    prefix: 'electron/browser-mode/',
    name: 'electron/browser-mode',
    paths: ['electron/browser-mode/', 'electron/desk-backend/', 'electron/desk-api/', 'sync-server/domain/'],
    packages: ['ws'],
    node: true,
    testPaths: ['sync-server/src/testing/', 'sync-server/src/demo/', 'tests/support/', 'native/'],
  },
  { prefix: 'electron/main/', name: 'electron/main', paths: ['electron/main/', 'electron/desk-api/'], packages: ['electron', 'electron-updater'], node: true },
  { prefix: 'electron/preload/', name: 'electron/preload', paths: ['electron/preload/', 'electron/desk-api/'], packages: ['electron'], node: false },
  {
    prefix: 'electron/utility/',
    name: 'electron/utility',
    paths: ['electron/utility/', 'electron/desk-backend/', 'electron/desk-api/'],
    packages: ['electron'],
    node: true,
  },
  {
    prefix: 'sync-server/node-shared/',
    name: 'sync-server/node-shared (Node code of the server and the desk backend)',
    paths: ['sync-server/node-shared/', 'sync-server/domain/', 'sync-server/contract/'],
    packages: ['typebox'],
    node: true,
  },
  // launcher.ts (npm start), build-main.ts and the demo's device tools: Node scripts of the desk side.
  {
    prefix: 'electron/',
    name: 'electron (scripts at the top of the folder)',
    paths: ['electron/', 'native/', 'sync-server/domain/', 'sync-server/contract/'],
    packages: ['*'],
    node: true,
  },
  { prefix: 'native/', name: 'native', paths: ['native/'], packages: ['serialport', '@serialport/', 'node-hid'], node: true },
  // The dev server's fake desk: browser code outside src/, never in a build (renderer/build-output.test.ts).
  {
    prefix: 'renderer/dev/',
    name: 'renderer/dev (fake desk, dev server only)',
    paths: ['renderer/', 'sync-server/domain/', 'electron/desk-api/'],
    typePaths: ['sync-server/contract/'],
    packages: ['react', 'react-dom/client'],
    node: false,
  },
  {
    prefix: 'renderer/src/',
    name: 'renderer/src (browser)',
    paths: ['renderer/src/', 'sync-server/domain/', 'electron/desk-api/'],
    typePaths: ['sync-server/contract/'],
    packages: [
      'react',
      'react-dom/client',
      'rxdb/plugins/core',
      'rxdb/plugins/storage-memory',
      'rxdb/plugins/replication',
      'rxjs',
      '@vladmandic/human',
      'recharts',
      // The operator's language (issue 19): FormatJS and the bundled Devanagari font's CSS, in src/i18n/.
      'react-intl',
      '@fontsource/noto-sans-devanagari',
    ],
    node: false,
    testPaths: ['*'],
  },
];

function layerOf(file) {
  return layers.filter((layer) => file.startsWith(layer.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0] ?? null;
}

function packageAllowed(specifier, packages) {
  return packages.some((p) => p === '*' || specifier === p || (p.endsWith('/') ? specifier.startsWith(p) : specifier.startsWith(`${p}/`)));
}

/** Where a specifier points: a repository path, or null for an npm package / built-in. */
function target(specifier, file) {
  for (const [alias, path] of Object.entries(aliases)) if (specifier.startsWith(alias)) return path + specifier.slice(alias.length);
  if (specifier.startsWith('.')) return relative(root, resolve(root, dirname(file), specifier));
  return null;
}

export const boundaries = {
  meta: { type: 'problem', docs: { description: 'Each boundary folder imports only what its README allows' }, schema: [] },
  create(context) {
    const file = relative(root, context.filename);
    const layer = layerOf(file);
    if (!layer) return {};
    const isTest = /(\.test\.tsx?|\/testing\.ts)$/.test(file) || file.includes('/testing/');
    const check = (node, specifier, isTypeOnly) => {
      if (typeof specifier !== 'string') return;
      const path = target(specifier, file);
      let allowed;
      if (path !== null) {
        allowed =
          layer.paths.some((p) => path.startsWith(p)) ||
          (isTypeOnly && (layer.typePaths ?? []).some((p) => path.startsWith(p))) ||
          (isTest && (layer.testPaths ?? []).some((p) => p === '*' || path.startsWith(p)));
      } else if (builtins.has(specifier)) {
        allowed = layer.node || isTest;
      } else {
        // Tests may use any package the repository installs (vitest, playwright-core, …).
        allowed = packageAllowed(specifier, layer.packages) || isTest;
      }
      if (!allowed) {
        context.report({
          node,
          message: `${layer.name} may not import '${specifier}'${path ? ` (${path})` : ''}: see the allow-list in build/eslint-boundaries.js and the folder's README.`,
        });
      }
    };
    return {
      ImportDeclaration: (node) =>
        check(
          node.source,
          node.source.value,
          node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type')),
        ),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node.source, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value, false),
    };
  },
};

export default { rules: { boundaries } };
