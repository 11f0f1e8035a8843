/**
 * A 105-column table shaped like ClickBench's `hits` (web analytics events): mostly small and large
 * integers, a few timestamps and a date, and strings that are short or empty except for URLs and titles.
 */
import {
  defineTable,
  randomText,
  seededRandom,
  type ColumnSpec,
  type Payload,
  type RecordFormat,
  type Row,
  type TableWorkload,
} from './table-workload.js';

const HITS_COLUMNS =
  'WatchID BIGINT, JavaEnable SMALLINT, Title STRING, GoodEvent SMALLINT, EventTime TIMESTAMP, EventDate DATE, ' +
  'CounterID INT, ClientIP INT, RegionID INT, UserID BIGINT, CounterClass SMALLINT, OS SMALLINT, ' +
  'UserAgent SMALLINT, URL STRING, Referer STRING, IsRefresh SMALLINT, RefererCategoryID SMALLINT, ' +
  'RefererRegionID INT, URLCategoryID SMALLINT, URLRegionID INT, ResolutionWidth SMALLINT, ' +
  'ResolutionHeight SMALLINT, ResolutionDepth SMALLINT, FlashMajor SMALLINT, FlashMinor SMALLINT, ' +
  'FlashMinor2 STRING, NetMajor SMALLINT, NetMinor SMALLINT, UserAgentMajor SMALLINT, UserAgentMinor STRING, ' +
  'CookieEnable SMALLINT, JavascriptEnable SMALLINT, IsMobile SMALLINT, MobilePhone SMALLINT, ' +
  'MobilePhoneModel STRING, Params STRING, IPNetworkID INT, TraficSourceID SMALLINT, SearchEngineID SMALLINT, ' +
  'SearchPhrase STRING, AdvEngineID SMALLINT, IsArtifical SMALLINT, WindowClientWidth SMALLINT, ' +
  'WindowClientHeight SMALLINT, ClientTimeZone SMALLINT, ClientEventTime TIMESTAMP, SilverlightVersion1 SMALLINT, ' +
  'SilverlightVersion2 SMALLINT, SilverlightVersion3 INT, SilverlightVersion4 SMALLINT, PageCharset STRING, ' +
  'CodeVersion INT, IsLink SMALLINT, IsDownload SMALLINT, IsNotBounce SMALLINT, FUniqID BIGINT, ' +
  'OriginalURL STRING, HID INT, IsOldCounter SMALLINT, IsEvent SMALLINT, IsParameter SMALLINT, ' +
  'DontCountHits SMALLINT, WithHash SMALLINT, HitColor STRING, LocalEventTime TIMESTAMP, Age SMALLINT, ' +
  'Sex SMALLINT, Income SMALLINT, Interests SMALLINT, Robotness SMALLINT, RemoteIP INT, WindowName INT, ' +
  'OpenerName INT, HistoryLength SMALLINT, BrowserLanguage STRING, BrowserCountry STRING, SocialNetwork STRING, ' +
  'SocialAction STRING, HTTPError SMALLINT, SendTiming INT, DNSTiming INT, ConnectTiming INT, ' +
  'ResponseStartTiming INT, ResponseEndTiming INT, FetchTiming INT, SocialSourceNetworkID SMALLINT, ' +
  'SocialSourcePage STRING, ParamPrice BIGINT, ParamOrderID STRING, ParamCurrency STRING, ' +
  'ParamCurrencyID SMALLINT, OpenstatServiceName STRING, OpenstatCampaignID STRING, OpenstatAdID STRING, ' +
  'OpenstatSourceID STRING, UTMSource STRING, UTMMedium STRING, UTMCampaign STRING, UTMContent STRING, ' +
  'UTMTerm STRING, FromTag STRING, HasGCLID SMALLINT, RefererHash BIGINT, URLHash BIGINT, CLID INT';

const COLUMNS: ColumnSpec[] = HITS_COLUMNS.split(', ').map((spec) => {
  const [name, type] = spec.split(' ');
  return { name: name!, type: type! };
});

export const WIDE: TableWorkload = defineTable('main.default.hits', COLUMNS);

/** Typical string lengths: long for URL-like columns, otherwise mostly empty as in the real data. */
const STRING_LENGTHS: Readonly<Record<string, number>> = { URL: 80, OriginalURL: 80, Referer: 60, Title: 50, Params: 20 };
const EVENT_TIME_MICROS = 1_373_000_000_000_000;

function value(column: ColumnSpec, random: () => number): string | number {
  switch (column.type) {
    case 'SMALLINT':
      return Math.floor(random() * 2000);
    case 'INT':
      return Math.floor(random() * 2 ** 31);
    case 'BIGINT':
      return Math.floor(random() * 2 ** 53);
    case 'TIMESTAMP':
      return EVENT_TIME_MICROS + Math.floor(random() * 86_400_000_000);
    case 'DATE':
      return 15_900 + Math.floor(random() * 31);
    default: {
      const length = STRING_LENGTHS[column.name] ?? (random() < 0.8 ? 0 : 8);
      return randomText(random, length);
    }
  }
}

/** `count` distinct wide records encoded in `format`. */
export function wideRecords(count: number, format: RecordFormat): Payload[] {
  const random = seededRandom(105);
  return Array.from({ length: count }, () => {
    const row: Row = {};
    for (const column of COLUMNS) row[column.name] = value(column, random);
    return WIDE.encode(row, format);
  });
}
