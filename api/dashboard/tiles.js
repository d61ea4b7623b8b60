// Scotland's 32 council areas as a tile grid: one square each, placed roughly where the area
// lies (column, row), so no map tiles are needed and every area is the same size to read.
export const TILES = {
  S12000027: { col: 6, row: 0, short: "SHE" }, // Shetland Islands
  S12000023: { col: 5, row: 1, short: "ORK" }, // Orkney Islands
  S12000013: { col: 0, row: 2, short: "ESI" }, // Na h-Eileanan Siar
  S12000017: { col: 2, row: 2, short: "HLD" }, // Highland
  S12000020: { col: 3, row: 2, short: "MRY" }, // Moray
  S12000034: { col: 4, row: 2, short: "ABS" }, // Aberdeenshire
  S12000033: { col: 5, row: 2, short: "ABC" }, // Aberdeen City
  S12000035: { col: 1, row: 3, short: "AGB" }, // Argyll and Bute
  S12000048: { col: 2, row: 3, short: "PKN" }, // Perth and Kinross
  S12000041: { col: 3, row: 3, short: "ANS" }, // Angus
  S12000042: { col: 4, row: 3, short: "DND" }, // Dundee City
  S12000018: { col: 0, row: 4, short: "IVC" }, // Inverclyde
  S12000039: { col: 1, row: 4, short: "WDU" }, // West Dunbartonshire
  S12000030: { col: 2, row: 4, short: "STG" }, // Stirling
  S12000005: { col: 3, row: 4, short: "CLK" }, // Clackmannanshire
  S12000047: { col: 4, row: 4, short: "FIF" }, // Fife
  S12000038: { col: 0, row: 5, short: "RFW" }, // Renfrewshire
  S12000045: { col: 1, row: 5, short: "EDU" }, // East Dunbartonshire
  S12000050: { col: 2, row: 5, short: "NLK" }, // North Lanarkshire
  S12000014: { col: 3, row: 5, short: "FAL" }, // Falkirk
  S12000040: { col: 4, row: 5, short: "WLN" }, // West Lothian
  S12000036: { col: 5, row: 5, short: "EDH" }, // City of Edinburgh
  S12000010: { col: 6, row: 5, short: "ELN" }, // East Lothian
  S12000021: { col: 0, row: 6, short: "NAY" }, // North Ayrshire
  S12000011: { col: 1, row: 6, short: "ERW" }, // East Renfrewshire
  S12000049: { col: 2, row: 6, short: "GLG" }, // Glasgow City
  S12000029: { col: 3, row: 6, short: "SLK" }, // South Lanarkshire
  S12000019: { col: 4, row: 6, short: "MLN" }, // Midlothian
  S12000026: { col: 5, row: 6, short: "SCB" }, // Scottish Borders
  S12000028: { col: 1, row: 7, short: "SAY" }, // South Ayrshire
  S12000008: { col: 2, row: 7, short: "EAY" }, // East Ayrshire
  S12000006: { col: 3, row: 7, short: "DGY" }, // Dumfries and Galloway
};
