// SPDX-License-Identifier: MIT
// A price feed for the devnet that answers as a Chainlink aggregator does
// (AggregatorV3Interface), so the wallet's production feed table reads it unchanged. It holds no
// constructor state: the devnet script places its runtime code at the real feed's address with
// anvil_setCode and then sets decimals and a round, and tests set stale or broken rounds.
pragma solidity 0.8.37;

contract DevnetPriceFeed {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
    }

    uint8 public decimals;
    string public description;
    uint80 public latestRound;
    mapping(uint80 => Round) internal rounds;

    function version() external pure returns (uint256) {
        return 4;
    }

    function setDecimals(uint8 d) external {
        decimals = d;
    }

    function setDescription(string calldata d) external {
        description = d;
    }

    /// A new round with this answer, updated now.
    function updateAnswer(int256 answer) external {
        setRound(latestRound + 1, answer, block.timestamp, block.timestamp);
    }

    /// A round with any answer and times: stale (an old updatedAt), unset (0) or negative.
    function updateRoundData(uint80 roundId, int256 answer, uint256 updatedAt, uint256 startedAt) external {
        setRound(roundId, answer, updatedAt, startedAt);
    }

    function setRound(uint80 roundId, int256 answer, uint256 updatedAt, uint256 startedAt) internal {
        latestRound = roundId;
        rounds[roundId] = Round(answer, startedAt, updatedAt);
    }

    function getRoundData(uint80 roundId)
        public
        view
        returns (uint80, int256, uint256, uint256, uint80)
    {
        Round memory r = rounds[roundId];
        return (roundId, r.answer, r.startedAt, r.updatedAt, roundId);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return getRoundData(latestRound);
    }
}
