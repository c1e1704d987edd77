-- Where a network's new blocks are followed (a WebSocket endpoint; NULL: the one beside the RPC
-- endpoint) and the widest eth_getLogs range its provider accepts (NULL: 10 000 blocks).
ALTER TABLE networks ADD COLUMN ws_url TEXT;
ALTER TABLE networks ADD COLUMN log_span_blocks INTEGER;
