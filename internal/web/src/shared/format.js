// Formatting for Italian pages: money, dates, notice codes, statuses.

const euro = new Intl.NumberFormat('it-IT', { style: 'currency', currency: 'EUR' });
const dateFmt = new Intl.DateTimeFormat('it-IT', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Rome' });
const dateTimeFmt = new Intl.DateTimeFormat('it-IT', {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Rome',
});

/** money formats cents (a number or an Int64 string) as euro. */
export function money(cents) {
  if (cents === null || cents === undefined) return '';
  return euro.format(Number(cents) / 100);
}

/** date formats a date or date-time as a day in Rome. */
export function date(v) {
  if (!v) return '';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T12:00:00Z`) : new Date(v);
  return dateFmt.format(d);
}

/** dateTime formats a date-time in Rome. */
export function dateTime(v) {
  return v ? dateTimeFmt.format(new Date(v)) : '';
}

/** noticeCode groups an 18-digit pagoPA notice number by four, as printed on notices. */
export function noticeCode(n) {
  return n ? n.replace(/(\d{4})(?=\d)/g, '$1 ') : '';
}

/** distance formats meters. */
export function distance(m) {
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toLocaleString('it-IT', { maximumFractionDigits: 1 })} km`;
}

/** The practice statuses, in Italian, with the Bootstrap Italia colour of their badge. */
export const practiceStatus = {
  DRAFT: { label: 'Bozza', tone: 'secondary' },
  PAYMENT_PENDING: { label: 'In attesa di pagamento', tone: 'warning' },
  SUBMITTED: { label: 'Inviata', tone: 'primary' },
  REGISTERED: { label: 'Protocollata', tone: 'primary' },
  IN_PROGRESS: { label: 'In lavorazione', tone: 'primary' },
  INTEGRATION_REQUESTED: { label: 'Integrazione richiesta', tone: 'warning' },
  COMPLETED: { label: 'Conclusa', tone: 'success' },
  REJECTED: { label: 'Respinta', tone: 'danger' },
  WITHDRAWN: { label: 'Ritirata', tone: 'secondary' },
};

/** finalStatuses end a practice. */
export const finalStatuses = new Set(['COMPLETED', 'REJECTED', 'WITHDRAWN']);

export const positionStatus = {
  DRAFT: 'Bozza', PUBLISHED: 'Pubblicata', VALID: 'Da pagare', PARTIALLY_PAID: 'Pagata in parte',
  PAID: 'Pagata', EXPIRED: 'Scaduta', INVALID: 'Annullata',
};

export const installmentStatus = { UNPAID: 'Da pagare', PAID: 'Pagata', EXPIRED: 'Scaduta', UNPAYABLE: 'Non pagabile' };

export const paymentMethods = {
  CARD: 'Carta di pagamento', BANK_TRANSFER: 'Bonifico', PAYPAL: 'PayPal', SATISPAY: 'Satispay', POSTAL: 'Bollettino postale',
};

export const actorKind = { CITIZEN: 'Cittadino', OPERATOR: 'Operatore', SYSTEM: 'Sistema' };

export const delegationStatus = { SCHEDULED: 'Programmata', ACTIVE: 'Attiva', EXPIRED: 'Scaduta', REVOKED: 'Revocata' };

export const delegationArea = { PRACTICES: 'Pratiche', PAYMENTS: 'Pagamenti', MESSAGES: 'Messaggi' };

export const channels = { ONLINE: 'Online', COUNTER: 'Allo sportello', PHONE: 'Telefono', EMAIL: 'Email', PEC: 'PEC', APP_IO: 'App IO' };

/** bytes formats a size. */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toLocaleString('it-IT', { maximumFractionDigits: 1 })} kB`;
  return `${(n / 1024 / 1024).toLocaleString('it-IT', { maximumFractionDigits: 1 })} MB`;
}
