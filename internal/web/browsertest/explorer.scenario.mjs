// The explorer: a query with variables, the subgraph of each field, a
// development token, and a subscription that streams a practice's status
// change made by an operator.
const cm = (page, selector) =>
  page.evaluate((s) => document.querySelector(`${s} .CodeMirror`).CodeMirror.getValue(), selector);
const setCM = (page, selector, value) =>
  page.evaluate(([s, v]) => document.querySelector(`${s} .CodeMirror`).CodeMirror.setValue(v), [selector, value]);

/** waitForResponse waits until the response pane's text satisfies pred. */
function waitForResponse(t, page, pred, what) {
  return t.until(
    async () => pred(await cm(page, '.graphiql-response')),
    async () => `${what}; the response pane shows: ${await cm(page, '.graphiql-response')}`,
  );
}

async function openExplorer(t, viewport) {
  const page = await t.page(viewport);
  await page.goto('/explorer');
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  // the schema is loaded: the documentation explorer's button is enabled
  await page.locator('.graphiql-doc-explorer-search, button[aria-label="Show Documentation Explorer"]').first().waitFor();
  return page;
}

export const scenarios = [
  {
    name: 'explorer',
    async run(t) {
      const submitted = t.fixture.explorerPractice;
      const page = await t.step('open /explorer', () => openExplorer(t, 'desktop'));
      await t.shot(page, 'start', { fullPage: false });
      await t.axe(page, 'explorer');

      await t.step('run the default query (with its variables)', async () => {
        await page.locator('.graphiql-execute-button').click();
        await waitForResponse(t, page, (text) => text.includes('"placeAt"') && text.includes('"Milano"'), 'the places query');
      });
      await t.shot(page, 'query', { fullPage: false });

      await t.step('the Subgraphs panel tells who owns Person.payments', async () => {
        await page.getByRole('button', { name: 'Show Subgraphs' }).click();
        await page.getByLabel('Search fields (Type.field or a subgraph)').fill('Person.payments');
        const row = page.locator('.cg-table tr', { hasText: 'Person.payments' });
        await row.locator('[data-subgraph="payments"]').waitFor();
      });
      await t.step('the Subgraphs panel follows the documentation explorer', async () => {
        await page.getByLabel('Search fields (Type.field or a subgraph)').fill('');
        await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
        await page.locator('.graphiql-doc-explorer a', { hasText: 'Query' }).first().click();
        await page.getByRole('button', { name: 'Show Subgraphs' }).click();
        await page.locator('tr[data-field="Query.placeAt"] [data-subgraph="territory"]').waitFor();
        await page.locator('tr[data-field="Query.me"] [data-subgraph="identity"]').waitFor();
      });
      await t.shot(page, 'subgraphs', { fullPage: false });
      await t.axe(page, 'explorer-subgraphs');

      await t.step('get a development token for the citizen into the headers', async () => {
        await page.getByRole('button', { name: 'Show Token' }).click();
        await page.getByLabel('Fiscal code').fill(submitted.fiscalCode);
        await page.getByRole('button', { name: 'Get a token' }).click();
        await page.getByText('Token set in the Headers tab').waitFor();
        await page.getByRole('button', { name: 'Headers' }).click();
        const headers = await cm(page, '.graphiql-editor-tool [aria-label="Headers"]').catch(() => null)
          ?? await page.evaluate(() => [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')].map((e) => e.CodeMirror.getValue()).join('\n'));
        if (!headers.includes('"Authorization": "Bearer ey')) throw new Error(`headers: ${headers}`);
      });
      await t.shot(page, 'token', { fullPage: false });
      await t.axe(page, 'explorer-token');

      await t.step('subscribe to the practice: its history streams in', async () => {
        await setCM(page, '.graphiql-query-editor', `subscription Follow($id: ID!) {
  practiceStatusChanged(id: $id) {
    cursor
    status
    at
    practice { id status service { title } comune { name } }
  }
}
`);
        await page.getByRole('button', { name: 'Variables' }).click();
        await page.evaluate((v) => {
          const editors = [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')];
          editors[0].CodeMirror.setValue(v);
        }, JSON.stringify({ id: submitted.id }, null, 2));
        await page.locator('.graphiql-execute-button').click();
        await waitForResponse(t, page, (text) => text.includes('"status": "SUBMITTED"'), 'the history of the practice');
      });
      await t.step('an operator registers the practice: the event streams in', async () => {
        const op = await t.token({ roles: 'operator', comuni: submitted.comune, name: 'Operatore di prova', fiscal_code: 'OPRPRV80A01F205X' });
        await t.graphql('mutation($id: ID!) { registerPractice(id: $id) { id status } }', { id: submitted.id }, op);
        await waitForResponse(t, page, (text) => text.includes('"status": "REGISTERED"') && text.includes('"cursor"'), 'the live event');
      });
      await t.shot(page, 'subscription', { fullPage: false });
      await t.step('stop the subscription', () => page.locator('.graphiql-execute-button').click());
    },
  },
  {
    name: 'explorer-phone',
    async run(t) {
      const page = await t.step('open /explorer on a phone', () => openExplorer(t, 'phone'));
      await t.shot(page, 'phone', { fullPage: false });
      await t.axe(page, 'explorer-phone');
    },
  },
  {
    name: 'explorer-closed',
    // Against a server without introspection (serve without --dev-issuer
    // or --introspection): the explorer says so, asks for no schema, and
    // still runs operations.
    async run(t) {
      const base = process.env.CG_BASE_CLOSED;
      if (!base) throw new Error('CG_BASE_CLOSED is not set');
      const page = await t.page('desktop', { baseURL: base });
      const introspections = [];
      page.on('request', (r) => {
        if ((r.postData() ?? '').includes('__schema')) introspections.push(r.url());
      });
      await t.step('open /explorer', async () => {
        await page.goto('/explorer');
        await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
        await page.getByText('Introspection is off on this server').waitFor();
      });
      await t.step('the default query still runs', async () => {
        await page.locator('.graphiql-execute-button').click();
        await waitForResponse(t, page, (text) => text.includes('"placeAt"') && text.includes('"Milano"'), 'the places query');
      });
      await t.step('the Subgraphs panel says the schema is not published', async () => {
        await page.getByRole('button', { name: 'Show Subgraphs' }).click();
        await page.getByText('The schema is not published by this server').waitFor();
      });
      await t.step('the Token panel offers no development token', async () => {
        await page.getByRole('button', { name: 'Show Token' }).click();
        await page.getByText('Everything else needs a bearer token').waitFor();
        if (await page.getByRole('button', { name: 'Get a token' }).count()) throw new Error('a development token helper without the development issuer');
      });
      if (introspections.length) throw new Error(`introspection requested: ${introspections.join(', ')}`);
      await t.shot(page, 'closed', { fullPage: false });
      await t.axe(page, 'explorer-closed');
    },
  },
];
