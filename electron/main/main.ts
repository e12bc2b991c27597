/**
 * Electron main process: windows, the security baseline, the IPC router to the desk backend's
 * utility process, OS notifications, safeStorage for the desk credential, and auto-update.
 * Deliberately thin: everything the desk does lives in the desk backend.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, safeStorage, session, shell, utilityProcess, type UtilityProcess } from 'electron';
import electronUpdater from 'electron-updater';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { contentSecurityPolicy } from '../desk-api/content-security-policy';
import { deskChannels, openPayerWorkspacesChannel, type DeskEvents } from '../desk-api/contract';
import { channelPrefix, isTrustedSender, isValidPayload } from './ipc-guard';
import { isConsoleNavigation, payerConsoleUrl } from './payer-window';
import { appEntryUrl, appScheme, appSchemePrivileges, createAppProtocolHandler } from './app-protocol';
import { isAllowedExternalUrl } from './external-links';
import { isPermissionGranted } from './permissions';
import { checkSafeStorage } from './safe-storage-policy';
import { planUpdateFeed } from './update-feed';

const dataDir = process.env.COVERDESK_DESK_DIR ?? join(app.getPath('userData'), 'desk');
const credentialFile = join(dataDir, 'desk-credential.enc');
const biometricKeyFile = join(dataDir, 'desk-biometric-key.enc');
const replicaKeyFile = join(dataDir, 'desk-replica-key.enc');
const windowStateFile = join(app.getPath('userData'), 'window-state.json');
// The screens are served from renderer/dist under coverdesk://desk (app-protocol.ts), not file://.
const rendererRoot = join(__dirname, '..', '..', 'renderer', 'dist');
const rendererUrl = appEntryUrl;
// Before the app is ready: a standard, secure scheme gives the desk a real origin of its own.
protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: appSchemePrivileges }]);

const updateFeed = planUpdateFeed(process.env.COVERDESK_UPDATE_URL, app.isPackaged);

if (!app.requestSingleInstanceLock()) app.quit();

let mainWindow: BrowserWindow | null = null;
let consoleWindow: BrowserWindow | null = null;
let backend: UtilityProcess | null = null;
let nextCallId = 1;
const pendingCalls = new Map<number, (result: unknown) => void>();

/** The desk credential and the desk's biometric at-rest key: each kept encrypted by safeStorage (the OS keychain). */
function readSecret(file: string): string | null {
  if (!existsSync(file) || !safeStorage.isEncryptionAvailable()) return null;
  return safeStorage.decryptString(readFileSync(file));
}

/** Replaced whole (temporary file, flushed, renamed, directory synced): a power cut leaves the old secret or the new, never a torn one. */
function storeSecret(file: string, secret: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, safeStorage.encryptString(secret), { mode: 0o600, flush: true });
  renameSync(temporary, file);
  if (process.platform === 'win32') return;
  const directory = openSync(dataDir, 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

/**
 * The replica's encryption key (issue 13 item 9), made and stored here, before the backend starts,
 * so it is on disk (sealed by safeStorage) before the first byte is encrypted with it.
 */
function replicaKey(): string {
  const stored = readSecret(replicaKeyFile);
  if (stored) return stored;
  const created = randomBytes(32).toString('hex');
  storeSecret(replicaKeyFile, created);
  return created;
}

function startBackend(): void {
  backend = utilityProcess.fork(join(__dirname, 'desk-backend-host.cjs'), [], { serviceName: 'CoverDesk desk backend' });
  backend.on('message', (message: { kind: string; id?: number; result?: unknown; event?: keyof DeskEvents; payload?: unknown; secret?: string }) => {
    if (message.kind === 'answer' && typeof message.id === 'number') {
      pendingCalls.get(message.id)?.(message.result);
      pendingCalls.delete(message.id);
    } else if (message.kind === 'event' && message.event) {
      mainWindow?.webContents.send(`desk-event:${message.event}`, message.payload);
      if (message.event === 'notification' && Notification.isSupported()) {
        const { title, body } = message.payload as DeskEvents['notification'];
        new Notification({ title, body }).show();
      }
    } else if (message.kind === 'store-secret' && message.secret) {
      storeSecret(credentialFile, message.secret);
    } else if (message.kind === 'store-biometric-key' && message.secret) {
      storeSecret(biometricKeyFile, message.secret);
    }
  });
  backend.on('exit', (code) => {
    for (const resolve of pendingCalls.values())
      resolve({ ok: false, error: { code: 'backend-stopped', message: `The desk backend stopped (code ${code}); restarting it.` } });
    pendingCalls.clear();
    if (!app.isReady() || code === 0) return;
    setTimeout(startBackend, 1000);
  });
  backend.postMessage({
    kind: 'init',
    dataDir,
    requireHttps: app.isPackaged,
    credential: readSecret(credentialFile),
    biometricKey: readSecret(biometricKeyFile),
    replicaKey: replicaKey(),
    // Reported to the server with every sync request (the HA fleet page, the minimum desk version).
    appVersion: app.getVersion(),
  });
}

/** One call to the desk backend (utility process); resolves with its DeskResult. */
function callBackend(channel: string, args: unknown): Promise<unknown> {
  if (!backend) return Promise.resolve({ ok: false, error: { code: 'backend-stopped', message: 'The desk backend is starting; try again.' } });
  const id = nextCallId++;
  return new Promise((resolve) => {
    pendingCalls.set(id, resolve);
    backend!.postMessage({ kind: 'call', id, channel, args });
  });
}

function registerIpc(): void {
  const isOurWindow = (event: Electron.IpcMainInvokeEvent) => {
    const frame = event.senderFrame;
    return Boolean(frame && isTrustedSender(frame.url, rendererUrl, frame === event.sender.mainFrame));
  };
  for (const channel of deskChannels) {
    ipcMain.handle(`${channelPrefix}${channel}`, (event, args: unknown) => {
      if (!isOurWindow(event)) return { ok: false, error: { code: 'forbidden', message: 'This window may not use the desk API.' } };
      if (!isValidPayload(args)) return { ok: false, error: { code: 'invalid-input', message: 'Malformed request.' } };
      return callBackend(channel, args);
    });
  }
  ipcMain.handle(openPayerWorkspacesChannel, (event) => {
    if (!isOurWindow(event)) return { ok: false, error: { code: 'forbidden', message: 'This window may not open the payer workspaces.' } };
    return openPayerWorkspaces();
  });
}

/**
 * The payer workspaces: the enrolled server's /console/ page in a window of its own, in a
 * separate session (no preload, no desk API, the server's own content security policy), limited
 * to that page; online only, as in a browser. A second request brings the open window forward.
 */
type OpenAnswer = { ok: true } | { ok: false; error: { code: string; message: string } };
let consoleWindowOpening: Promise<OpenAnswer> | null = null;

function openPayerWorkspaces(): Promise<OpenAnswer> {
  if (consoleWindow && !consoleWindow.isDestroyed()) {
    consoleWindow.focus();
    return Promise.resolve({ ok: true });
  }
  // The button and the menu at once open one window, not two.
  consoleWindowOpening ??= createPayerWindow().finally(() => {
    consoleWindowOpening = null;
  });
  return consoleWindowOpening;
}

async function createPayerWindow(): Promise<OpenAnswer> {
  const status = (await callBackend('enrollment.status', {})) as {
    ok: boolean;
    value?: { serverUrl: string | null };
    error?: { code: string; message: string };
  };
  if (!status.ok || !status.value) return { ok: false, error: status.error ?? { code: 'backend-stopped', message: 'The desk backend did not answer.' } };
  const target = payerConsoleUrl(status.value.serverUrl, app.isPackaged);
  if (!target.ok) return target;
  const consoleSession = session.fromPartition('persist:payer-console');
  consoleSession.setPermissionRequestHandler((_, _permission, callback) => callback(false));
  const window = new BrowserWindow({
    width: 1366,
    height: 768,
    minWidth: 1024,
    minHeight: 680,
    title: 'CoverDesk payer workspaces',
    webPreferences: { session: consoleSession, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false },
  });
  consoleWindow = window;
  window.on('closed', () => {
    if (consoleWindow === window) consoleWindow = null;
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!isConsoleNavigation(url, target.url)) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  try {
    await window.loadURL(target.url);
  } catch (error) {
    window.close();
    return {
      ok: false,
      error: {
        code: 'server-unreachable',
        message: `The payer workspaces could not be loaded from the server (${error instanceof Error ? error.message : String(error)}). They work online only.`,
      },
    };
  }
  return { ok: true };
}

function loadWindowState(): { width: number; height: number; x?: number; y?: number; isMaximized?: boolean } {
  try {
    return JSON.parse(readFileSync(windowStateFile, 'utf8')) as { width: number; height: number };
  } catch {
    return { width: 1366, height: 768 };
  }
}

function createWindow(): void {
  const state = loadWindowState();
  mainWindow = new BrowserWindow({
    ...state,
    minWidth: 1024,
    minHeight: 680,
    show: false,
    title: 'CoverDesk',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.isMaximized) mainWindow.maximize();
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  const saveState = () => {
    if (!mainWindow) return;
    writeFileSync(windowStateFile, JSON.stringify({ ...mainWindow.getNormalBounds(), isMaximized: mainWindow.isMaximized() }));
  };
  mainWindow.on('close', saveState);
  // No navigation away from the app, no new windows; external links open in the system browser.
  mainWindow.webContents.on('will-navigate', (event, url) => {
    if (url !== rendererUrl) event.preventDefault();
  });
  mainWindow.webContents.setWindowOpenHandler(({ url }) => {
    void openExternalIfAllowed(url);
    return { action: 'deny' };
  });
  void mainWindow.loadURL(rendererUrl);
}

/** Help pages and the enrolled https server only (external-links.ts); anything else is logged and dropped. */
async function openExternalIfAllowed(url: string): Promise<void> {
  const status = (await callBackend('enrollment.status', {})) as { ok: boolean; value?: { serverUrl: string | null } };
  const serverUrl = status.ok ? (status.value?.serverUrl ?? null) : null;
  if (isAllowedExternalUrl(url, serverUrl)) await shell.openExternal(url);
  else console.warn('[desk] refused to open an external link that is not on the allow-list');
}

function buildMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { label: 'CoverDesk', submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'quit' }] },
      {
        label: 'Edit',
        submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
      },
      {
        label: 'Payer',
        submenu: [
          {
            label: 'Payer workspaces (online)…',
            click: () =>
              void openPayerWorkspaces().then((result) => {
                if (!result.ok) void dialog.showMessageBox({ type: 'warning', title: 'Payer workspaces', message: result.error.message });
              }),
          },
        ],
      },
      {
        label: 'View',
        submenu: [{ role: 'reload' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
      },
      {
        label: 'Help',
        submenu: [
          {
            label: 'Check for updates',
            click: () => {
              // A refused COVERDESK_UPDATE_URL is said, not replaced by the built-in feed in silence.
              if (updateFeed.kind === 'refused') void dialog.showMessageBox({ type: 'warning', title: 'Updates', message: updateFeed.message });
              else void electronUpdater.autoUpdater.checkForUpdatesAndNotify();
            },
          },
        ],
      },
    ]),
  );
}

app.on('second-instance', () => {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
});

app.on('web-contents-created', (_, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // Every web contents starts unable to open windows; the desk and payer windows set their own rule.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

void app.whenReady().then(() => {
  // Secrets only where the OS protects them (safe-storage-policy.ts): an installed build refuses
  // Linux's basic_text store; a development run says so and goes on.
  const storage = checkSafeStorage(
    process.platform,
    safeStorage.isEncryptionAvailable(),
    process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null,
  );
  if (!storage.ok) {
    if (app.isPackaged) {
      dialog.showErrorBox(storage.title, storage.message);
      app.exit(1);
      return;
    }
    console.warn(`[desk] ${storage.title} (development run, continuing): ${storage.message}`);
  }
  protocol.handle(appScheme, createAppProtocolHandler(rendererRoot));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });
  // Camera (video) and notifications for the desk's own page only (permissions.ts).
  session.defaultSession.setPermissionRequestHandler((webContents, permission, callback, details) => {
    callback(
      isPermissionGranted({
        permission,
        requestingUrl: details.requestingUrl || webContents.getURL(),
        isMainFrame: details.isMainFrame,
        mediaTypes: 'mediaTypes' in details ? details.mediaTypes : undefined,
      }),
    );
  });
  session.defaultSession.setPermissionCheckHandler((_, permission, requestingOrigin, details) =>
    isPermissionGranted({
      permission,
      requestingUrl: requestingOrigin,
      isMainFrame: details.isMainFrame,
      mediaTypes: details.mediaType ? [details.mediaType] : undefined,
    }),
  );
  buildMenu();
  registerIpc();
  startBackend();
  createWindow();
  // Updates come from the feed IT configures (COVERDESK_UPDATE_URL or build/electron-builder.yml's publish).
  // An installed build takes updates from an https feed only (update-feed.ts).
  if (updateFeed.kind === 'refused') console.error(updateFeed.message);
  if (updateFeed.kind === 'custom') electronUpdater.autoUpdater.setFeedURL({ provider: 'generic', url: updateFeed.url });
  if (updateFeed.check) void electronUpdater.autoUpdater.checkForUpdatesAndNotify().catch(() => undefined);
});

app.on('window-all-closed', () => {
  backend?.kill();
  app.quit();
});
