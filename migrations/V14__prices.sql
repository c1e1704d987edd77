-- Fiat prices: the latest believed price of each priced thing per network, one row each, so
-- the table never grows with use. `asset` is 'native', an ERC-20 contract (checksummed) or
-- 'fiat:EUR' for a currency's own USD rate. `answer` is USD per whole unit scaled by
-- 10^decimals (decimal text: it can pass 2^63). A price past updated_at + heartbeat is stale.
CREATE TABLE prices (
    chain_id   INTEGER NOT NULL,
    asset      TEXT    NOT NULL,
    answer     TEXT    NOT NULL,
    decimals   INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 36),
    updated_at INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL,
    heartbeat  INTEGER NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('chainlink', 'rest')),
    PRIMARY KEY (chain_id, asset)
) WITHOUT ROWID;
-- Sends in the last day, for the per-day limits: by time, not by scanning every operation.
CREATE INDEX operations_by_created ON operations (chain_id, created_at);
