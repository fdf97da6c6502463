// Drives Opendatasoft's own npm client, @opendatasoft/api-client, against a Datapolis server.
//
//   node tests/api/compat/ods_api_client.mjs http://127.0.0.1:8000 API_KEY
//
// Every step uses the client's query builder and ApiClient as an app would (trailing
// slashes, sorted parameters, `Authorization: ApiKey ...`), and prints one JSON object:
// each step's answer, or {"error": ErrorClass, "status": ..., "body": ...} when the client
// threw. tests/api/compat/test_ods_api_client.py checks the values against the raw files.

import {
    ApiClient,
    all,
    date,
    dateFromIsoString,
    exactMatch,
    fromCatalog,
    textSearch,
} from '@opendatasoft/api-client/dist/index.es.js';

const [baseUrl, apiKey] = process.argv.slice(2);
const client = new ApiClient({ domain: baseUrl, hideDeprecatedWarning: true });
const withKey = new ApiClient({ domain: baseUrl, apiKey, hideDeprecatedWarning: true });
const asText = { interceptResponse: async (response) => ({ status: response.status, type: response.headers.get('content-type'), text: await response.text() }) };

const velib = fromCatalog().dataset('velib');
const no2 = fromCatalog().dataset('mesures-no2');

const steps = {
    // catalog
    root: () => client.get(fromCatalog().itself()),
    datasets: () => client.get(fromCatalog().datasets().select('dataset_id, records_count').orderBy('dataset_id').limit(10)),
    catalogSearch: () => client.get(fromCatalog().datasets().where(textSearch('vélib')).select('dataset_id')),
    catalogRefine: () => client.get(fromCatalog().datasets().refine('theme:Transports').select('dataset_id')),
    catalogFacets: () => client.get(fromCatalog().facets().facet('theme').facet('publisher')),
    dataset: () => client.get(velib.itself()),
    // records
    biggestStations: () => client.get(
        velib.records()
            .select('nom_de_la_station, capacite_de_la_station')
            .where('capacite_de_la_station >= 60')
            .orderBy('-capacite_de_la_station, nom_de_la_station')
            .limit(5),
    ),
    exactMatch: () => client.get(velib.records().where(exactMatch('nom_de_la_station', 'Pyrénées - Maraîchers'))),
    search: () => client.get(velib.records().where(textSearch('Pyrénées')).select('nom_de_la_station').limit(100)),
    nearby: () => client.get(
        velib.records()
            .select('nom_de_la_station')
            .where("within_distance(coordonnees_geographiques, geom'POINT(2.3522 48.8566)', 500m)")
            .limit(100),
    ),
    perStation: () => client.get(
        no2.records()
            .select('nom_station, count(*) as n, max(niveau) as max_niveau')
            .groupBy('nom_station')
            .orderBy('nom_station')
            .limit(100),
    ),
    year2020: () => client.get(
        no2.records()
            .select('count(*) as n')
            .where(all(`date >= ${date({ year: 2020, month: 1, day: 1 })}`, `date < ${dateFromIsoString('2021-01-01')}`)),
    ),
    monthName: () => client.get(
        no2.records().select("date_format(date, 'MMMM') as mois").where("date = date'2020-03-15'").limit(1).lang('fr'),
    ),
    // facets
    zoneFacets: () => client.get(no2.facets().facet('nom_zone')),
    refinedFacets: () => client.get(no2.facets().facet('nom_zone').facet('nom_station').refine('nom_zone:Angers')),
    // one record by id
    record: async () => {
        const page = await client.get(velib.records().set('include_links', 'true').orderBy('nom_de_la_station').limit(1));
        const first = page.results[0];
        return { listed: first, fetched: await client.get(velib.record(first._id)) };
    },
    // exports
    exportJson: () => client.get(velib.export('json').where('capacite_de_la_station >= 60').select('nom_de_la_station')),
    exportCsv: () => client.get(velib.export('csv').select('nom_de_la_station, capacite_de_la_station'), asText),
    exportGeojson: () => client.get(fromCatalog().dataset('arrondissements').export('geojson')),
    catalogExportJson: () => client.get(fromCatalog().export('json').select('dataset_id, title').orderBy('dataset_id')),
    catalogExportDcat: () => client.get(fromCatalog().export('dcat'), asText),
    // errors and access
    unknownDataset: () => client.get(fromCatalog().dataset('no-such-dataset').records()),
    badQuery: () => client.get(velib.records().where('capacite_de_la_station >')),
    restrictedAnonymous: () => client.get(fromCatalog().dataset('joconde').records().limit(1)),
    restrictedWithKey: () => withKey.get(fromCatalog().dataset('joconde').records().select('count(*) as n')),
};

const output = {};
for (const [name, step] of Object.entries(steps)) {
    try {
        output[name] = await step();
    } catch (error) {
        output[name] = { error: error.constructor.name, status: error.response?.status, body: error.details ?? String(error) };
    }
}
process.stdout.write(JSON.stringify(output));
