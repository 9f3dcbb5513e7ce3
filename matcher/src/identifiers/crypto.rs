//! Crypto-asset wallet addresses: Bitcoin (base58check and bech32/bech32m segwit),
//! Ethereum and EVM chains (hex with the EIP-55 mixed-case checksum), and other chains by
//! spelling only.

use sha3::{Digest, Keccak256};

use super::{InvalidIdentifier, check_chars, check_raw_len};

const CHAIN: &str = "chain name";
const BITCOIN: &str = "Bitcoin address";
const ETHEREUM: &str = "Ethereum address";
const OTHER: &str = "wallet address";

/// The longest chain name: names and tickers are short; the bound keeps free text out.
const MAX_CHAIN_CHARS: usize = 32;

/// The longest address on a chain whose format is not checked here.
pub const MAX_OTHER_ADDRESS_CHARS: usize = 128;

/// The bech32 data alphabet (BIP-173), lowercase.
const BECH32_CHARSET: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// The base58 alphabet Bitcoin uses (no `0`, `O`, `I` or `l`).
const BASE58_ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Base58check version bytes of Bitcoin addresses: P2PKH and P2SH on mainnet and testnet.
const BASE58_VERSIONS: [u8; 4] = [0x00, 0x05, 0x6f, 0xc4];

/// Chain names (lowercase, spaces and underscores as hyphens) and the canonical name each
/// stands for, for chains other than Bitcoin and Ethereum. A chain missing here is still
/// accepted under its own normalised name.
const CHAIN_ALIASES: &[(&str, &str)] = &[
    ("matic", "polygon"),
    ("polygon-pos", "polygon"),
    ("bnb-smart-chain", "bsc"),
    ("binance-smart-chain", "bsc"),
    ("bnb-chain", "bsc"),
    ("bep20", "bsc"),
    ("bep-20", "bsc"),
    ("arbitrum-one", "arbitrum"),
    ("arb", "arbitrum"),
    ("op", "optimism"),
    ("op-mainnet", "optimism"),
    ("avax-c", "avalanche-c"),
    ("avalanche-c-chain", "avalanche-c"),
    ("c-chain", "avalanche-c"),
    ("ltc", "litecoin"),
    ("bch", "bitcoin-cash"),
    ("doge", "dogecoin"),
    ("trx", "tron"),
    ("xmr", "monero"),
    ("sol", "solana"),
    ("ripple", "xrp"),
    ("ada", "cardano"),
];

/// Chains whose addresses follow Ethereum's rules (20-byte hex, EIP-55 checksum), by
/// canonical name. Each keeps its own name, since the same address on two chains is two
/// wallets to an investigator.
const EVM_CHAINS: &[&str] = &[
    "polygon",
    "bsc",
    "arbitrum",
    "optimism",
    "base",
    "avalanche-c",
];

/// A blockchain, as far as address rules go.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Chain {
    /// Bitcoin (mainnet and testnet).
    Bitcoin,
    /// Ethereum mainnet.
    Ethereum,
    /// Any other chain, by its canonical name: lowercase ASCII letters, digits, `-` and `.`,
    /// aliases resolved (`matic` is `polygon`). Build it with [`Chain::parse`], which
    /// guarantees that form.
    Other(String),
}

impl Chain {
    /// Reads a chain name or ticker in any case: `btc`, `xbt` and `bitcoin` are Bitcoin;
    /// `eth`, `ether` and `ethereum` are Ethereum; other names are normalised (lowercase,
    /// spaces and underscores as hyphens) and known aliases resolved, so that two FIUs that
    /// write `MATIC` and `Polygon` make one key.
    pub fn parse(raw: &str) -> Result<Chain, InvalidIdentifier> {
        check_raw_len(raw, CHAIN)?;
        let name: String = raw
            .trim()
            .chars()
            .map(|c| {
                if c.is_whitespace() || c == '_' {
                    '-'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        if name.is_empty() {
            return Err(InvalidIdentifier::Empty);
        }
        check_chars(&name, CHAIN, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
        })?;
        let found = name.len();
        if found > MAX_CHAIN_CHARS {
            return Err(InvalidIdentifier::WrongLength {
                what: CHAIN,
                expected: format!("at most {MAX_CHAIN_CHARS}"),
                found,
            });
        }
        Ok(match name.as_str() {
            "btc" | "xbt" | "bitcoin" => Chain::Bitcoin,
            "eth" | "ether" | "ethereum" => Chain::Ethereum,
            other => {
                let canonical = CHAIN_ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == other)
                    .map_or(other, |(_, name)| name);
                Chain::Other(canonical.to_owned())
            }
        })
    }

    /// The canonical name (`bitcoin`, `ethereum`, `polygon`, ...), the one that goes into
    /// match keys.
    pub fn as_str(&self) -> &str {
        match self {
            Chain::Bitcoin => "bitcoin",
            Chain::Ethereum => "ethereum",
            Chain::Other(name) => name,
        }
    }

    /// Whether addresses on this chain follow Ethereum's rules (Ethereum and the EVM chains
    /// listed in docs/PROTOCOL.md).
    pub fn uses_ethereum_addresses(&self) -> bool {
        match self {
            Chain::Bitcoin => false,
            Chain::Ethereum => true,
            Chain::Other(name) => EVM_CHAINS.contains(&name.as_str()),
        }
    }
}

/// A wallet address on a chain, in canonical form.
///
/// Invariants: Bitcoin base58check addresses decode to a 25-byte P2PKH or P2SH address
/// (mainnet or testnet) with a valid checksum and are kept as written; Bitcoin segwit
/// addresses have the `bc` or `tb` prefix, a valid bech32 (v0) or bech32m (v1+) checksum and
/// are lowercase; Ethereum and EVM addresses are `0x` and 40 lowercase hex digits and, if the
/// source wrote them in mixed case, passed EIP-55; addresses on other chains are 1 to
/// [`MAX_OTHER_ADDRESS_CHARS`] printable ASCII characters without spaces, as written (no
/// checksum is verified, and case is kept since many such formats are case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WalletAddress {
    chain: Chain,
    address: String,
}

impl WalletAddress {
    /// The chain the address is on.
    pub fn chain(&self) -> Chain {
        self.chain.clone()
    }

    /// The canonical address, the one that goes into match keys (with the chain name).
    pub fn as_str(&self) -> &str {
        &self.address
    }
}

/// Validates a wallet address on `chain` (see [`Chain::parse`]) and verifies the checksum
/// where the chain has one, so that a mistyped address is reported rather than becoming a
/// key that matches nothing.
pub fn wallet_address(chain: &str, raw: &str) -> Result<WalletAddress, InvalidIdentifier> {
    let chain = Chain::parse(chain)?;
    check_raw_len(raw, OTHER)?;
    let value = raw.trim();
    if value.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    let address = if chain == Chain::Bitcoin {
        bitcoin(value)?
    } else if chain.uses_ethereum_addresses() {
        ethereum(value)?
    } else {
        other(value)?
    };
    Ok(WalletAddress { chain, address })
}

/// Bitcoin: segwit (bech32/bech32m) for the `bc1` and `tb1` prefixes, base58check otherwise.
fn bitcoin(value: &str) -> Result<String, InvalidIdentifier> {
    check_chars(value, BITCOIN, |c| c.is_ascii_alphanumeric())?;
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("bc1") || lower.starts_with("tb1") {
        return segwit(value, &lower);
    }
    if bech32::segwit::decode(value).is_ok() {
        return Err(InvalidIdentifier::Malformed {
            what: BITCOIN,
            reason: "is a segwit address of another network (prefix not bc or tb)",
        });
    }
    let found = value.len();
    if !(26..=35).contains(&found) {
        return Err(InvalidIdentifier::WrongLength {
            what: BITCOIN,
            expected: "26 to 35 (base58) or 42 to 62 (bech32)".to_owned(),
            found,
        });
    }
    check_chars(value, BITCOIN, |c| BASE58_ALPHABET.contains(c))?;
    let payload = match bs58::decode(value).with_check(None).into_vec() {
        Ok(payload) => payload,
        Err(bs58::decode::Error::InvalidChecksum { .. }) => {
            return Err(InvalidIdentifier::Checksum { what: BITCOIN });
        }
        Err(_) => {
            return Err(InvalidIdentifier::Malformed {
                what: BITCOIN,
                reason: "is not valid base58check",
            });
        }
    };
    // 1 version byte and a 20-byte hash; the 4 checksum bytes are already removed.
    if payload.len() != 21 {
        return Err(InvalidIdentifier::Malformed {
            what: BITCOIN,
            reason: "does not decode to a 25-byte address",
        });
    }
    if !BASE58_VERSIONS.contains(&payload[0]) {
        return Err(InvalidIdentifier::Malformed {
            what: BITCOIN,
            reason: "has a version byte that is not a Bitcoin P2PKH or P2SH address",
        });
    }
    Ok(value.to_owned())
}

/// A segwit address (BIP-173, BIP-350). `lower` is `value` in lowercase, the canonical form.
fn segwit(value: &str, lower: &str) -> Result<String, InvalidIdentifier> {
    use bech32::primitives::decode::{CharError, SegwitHrpstringError, UncheckedHrpstringError};

    // The prefix is `bc1` or `tb1`, so the data part starts at the fourth character.
    if let Some(i) = lower[3..].chars().position(|c| !BECH32_CHARSET.contains(c)) {
        return Err(InvalidIdentifier::BadCharacter {
            what: BITCOIN,
            position: i + 4,
        });
    }
    match bech32::segwit::decode(value) {
        Ok(_) => Ok(lower.to_owned()),
        Err(e) => Err(match e.0 {
            SegwitHrpstringError::Checksum(_) => InvalidIdentifier::Checksum { what: BITCOIN },
            SegwitHrpstringError::Unchecked(UncheckedHrpstringError::Char(
                CharError::MixedCase,
            )) => InvalidIdentifier::Malformed {
                what: BITCOIN,
                reason: "mixes upper and lower case",
            },
            _ => InvalidIdentifier::Malformed {
                what: BITCOIN,
                reason: "is not a valid segwit address",
            },
        }),
    }
}

/// Ethereum and EVM chains: `0x` (optional) and 40 hex digits; mixed case must pass EIP-55.
fn ethereum(value: &str) -> Result<String, InvalidIdentifier> {
    let (prefix, hex) = match value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        Some(hex) => (2, hex),
        None => (0, value),
    };
    if let Some(i) = hex.chars().position(|c| !c.is_ascii_hexdigit()) {
        return Err(InvalidIdentifier::BadCharacter {
            what: ETHEREUM,
            position: prefix + i + 1,
        });
    }
    let found = hex.len();
    if found != 40 {
        return Err(InvalidIdentifier::WrongLength {
            what: ETHEREUM,
            expected: "40 hex digits after 0x".to_owned(),
            found,
        });
    }
    let lower = hex.to_ascii_lowercase();
    let mixed_case =
        hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    if mixed_case && !eip55_ok(hex, &lower) {
        return Err(InvalidIdentifier::Checksum { what: ETHEREUM });
    }
    Ok(format!("0x{lower}"))
}

/// EIP-55: a hex letter is uppercase exactly when the matching nibble of Keccak-256 of the
/// lowercase hex is 8 or more. `hex` is 40 ASCII hex digits, `lower` the same in lowercase.
fn eip55_ok(hex: &str, lower: &str) -> bool {
    let hash = Keccak256::digest(lower.as_bytes());
    hex.bytes().enumerate().all(|(i, b)| {
        if !b.is_ascii_alphabetic() {
            return true;
        }
        let byte = hash[i / 2];
        let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
        b.is_ascii_uppercase() == (nibble >= 8)
    })
}

/// Any other chain: printable ASCII without spaces, as written.
fn other(value: &str) -> Result<String, InvalidIdentifier> {
    check_chars(value, OTHER, |c| c.is_ascii_graphic())?;
    let found = value.len();
    if found > MAX_OTHER_ADDRESS_CHARS {
        return Err(InvalidIdentifier::WrongLength {
            what: OTHER,
            expected: format!("at most {MAX_OTHER_ADDRESS_CHARS}"),
            found,
        });
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_names() {
        for raw in ["btc", "XBT", " Bitcoin "] {
            assert_eq!(Chain::parse(raw).unwrap(), Chain::Bitcoin);
        }
        for raw in ["eth", "Ether", "ETHEREUM"] {
            assert_eq!(Chain::parse(raw).unwrap(), Chain::Ethereum);
        }
        for (raw, name) in [
            ("MATIC", "polygon"),
            ("Polygon", "polygon"),
            ("BNB Smart Chain", "bsc"),
            ("avalanche_c", "avalanche-c"),
            ("Avalanche C-Chain", "avalanche-c"),
            ("LTC", "litecoin"),
            ("Kaspa", "kaspa"),
        ] {
            let chain = Chain::parse(raw).unwrap();
            assert_eq!(chain.as_str(), name);
            assert_eq!(Chain::parse(chain.as_str()).unwrap(), chain);
        }
        assert!(Chain::parse("base").unwrap().uses_ethereum_addresses());
        assert!(!Chain::parse("solana").unwrap().uses_ethereum_addresses());
        assert_eq!(Chain::parse(" "), Err(InvalidIdentifier::Empty));
        assert!(matches!(
            Chain::parse("bit$coin"),
            Err(InvalidIdentifier::BadCharacter { position: 4, .. })
        ));
    }

    #[test]
    fn bitcoin_valid() {
        for (raw, canonical) in [
            (
                "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
                "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            ),
            (
                "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
                "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            ),
            (
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            ),
            (
                "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            ),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            ),
            (
                "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
                "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
            ),
            (
                "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",
                "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",
            ),
        ] {
            let v = wallet_address("btc", raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(v.as_str(), canonical);
            assert_eq!(v.chain(), Chain::Bitcoin);
            assert_eq!(wallet_address("bitcoin", v.as_str()).unwrap(), v);
        }
    }

    #[test]
    fn bitcoin_refusals() {
        // Last character changed: base58check checksum fails.
        assert_eq!(
            wallet_address("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"),
            Err(InvalidIdentifier::Checksum { what: BITCOIN })
        );
        // bech32 checksum fails.
        assert_eq!(
            wallet_address("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"),
            Err(InvalidIdentifier::Checksum { what: BITCOIN })
        );
        // A v1 program with a bech32 (not bech32m) checksum (BIP-350 invalid vector).
        assert!(
            wallet_address(
                "btc",
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j"
            )
            .is_err()
        );
        // Mixed case bech32.
        assert!(matches!(
            wallet_address("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3T4"),
            Err(InvalidIdentifier::Malformed { .. })
        ));
        // 'b' is not in the bech32 data alphabet.
        assert_eq!(
            wallet_address("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3b4"),
            Err(InvalidIdentifier::BadCharacter {
                what: BITCOIN,
                position: 41
            })
        );
        // '0' is not in the base58 alphabet.
        assert_eq!(
            wallet_address("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNV02"),
            Err(InvalidIdentifier::BadCharacter {
                what: BITCOIN,
                position: 33
            })
        );
        assert!(matches!(
            wallet_address("btc", "1BvBMSEYstWetq"),
            Err(InvalidIdentifier::WrongLength { found: 14, .. })
        ));
        // A valid segwit address with the Litecoin prefix.
        let ltc =
            bech32::segwit::encode_v0(bech32::Hrp::parse("ltc").unwrap(), &[7u8; 20]).unwrap();
        assert!(matches!(
            wallet_address("btc", &ltc),
            Err(InvalidIdentifier::Malformed { reason, .. }) if reason.contains("prefix")
        ));
        // Regtest prefix.
        let bcrt = bech32::segwit::encode_v0(bech32::hrp::BCRT, &[7u8; 20]).unwrap();
        assert!(wallet_address("btc", &bcrt).is_err());
        // A valid base58check string with a non-Bitcoin version byte (Litecoin P2PKH, 0x30).
        let mut payload = vec![0x30u8];
        payload.extend([7u8; 20]);
        let ltc58 = bs58::encode(payload).with_check().into_string();
        assert!(matches!(
            wallet_address("btc", &ltc58),
            Err(InvalidIdentifier::Malformed { .. })
        ));
    }

    #[test]
    fn ethereum_eip55() {
        let checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        let canonical = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
        for raw in [
            checksummed,
            canonical,
            "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED",
            "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            " 0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed ",
        ] {
            let v = wallet_address("eth", raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(v.as_str(), canonical);
            assert_eq!(wallet_address("eth", v.as_str()).unwrap(), v);
        }
        // More EIP-55 test vectors.
        for raw in [
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            assert!(wallet_address("ethereum", raw).is_ok(), "{raw}");
        }
        // One letter's case flipped.
        assert_eq!(
            wallet_address("eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
            Err(InvalidIdentifier::Checksum { what: ETHEREUM })
        );
        assert!(matches!(
            wallet_address("eth", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea"),
            Err(InvalidIdentifier::WrongLength { found: 38, .. })
        ));
        assert_eq!(
            wallet_address("eth", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg"),
            Err(InvalidIdentifier::BadCharacter {
                what: ETHEREUM,
                position: 42
            })
        );
    }

    #[test]
    fn evm_chains_keep_their_name() {
        let v = wallet_address("MATIC", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").unwrap();
        assert_eq!(v.chain().as_str(), "polygon");
        assert_eq!(v.as_str(), "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
        assert_eq!(
            wallet_address("bsc", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
            Err(InvalidIdentifier::Checksum { what: ETHEREUM })
        );
    }

    #[test]
    fn other_chains_by_spelling() {
        let v = wallet_address("TRX", " TJRabPrwbZy45sbavfcjinPJC18kjpRTv8 ").unwrap();
        assert_eq!(v.chain(), Chain::Other("tron".to_owned()));
        assert_eq!(v.as_str(), "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8");
        assert_eq!(
            wallet_address("xmr", "4Ab c"),
            Err(InvalidIdentifier::BadCharacter {
                what: OTHER,
                position: 4
            })
        );
        assert!(matches!(
            wallet_address("sol", &"a".repeat(129)),
            Err(InvalidIdentifier::WrongLength { found: 129, .. })
        ));
        assert_eq!(wallet_address("sol", "  "), Err(InvalidIdentifier::Empty));
    }
}
