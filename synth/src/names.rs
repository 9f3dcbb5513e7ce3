//! Name pools: given, middle and family names of fourteen cultures, with their spelling
//! variants and original-script forms tied together, drawn with a Zipf-like skew.
//!
//! Each pool entry is one real-world name with every way a record may write it: the first
//! Latin form is the usual one, the others are transliteration or spelling variants
//! (`Mohammed|Muhammad|Mohamed`, `Meyer|Meier|Maier`), and the form after `=` is the original
//! script (`محمد`, `Александр`, `王`). A person is drawn as entries, not strings, so a
//! corruption can write the same person another way and the truth stays known.
//!
//! Pools are written as compact strings (`forms|forms=native; next`) and parsed once: typing
//! several hundred names as struct literals would bury the data under syntax.
//!
//! Frequencies follow a Zipf-like law (weight `1 / (rank + 1)^s`), so common names really
//! repeat in a population of a million; family names of most cultures also get a long tail
//! of composed names (`Stein` + `hofer`), as real surname distributions have.

use std::sync::OnceLock;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Writing system of a culture's original-script names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Han,
}

/// One name with all its written forms.
#[derive(Debug, Clone)]
pub(crate) struct NameEntry {
    /// Latin forms; the first is the usual one. Never empty.
    pub latin: Vec<String>,
    /// The original-script form, where the culture has one.
    pub native: Option<String>,
}

impl NameEntry {
    /// The usual Latin form.
    pub fn primary(&self) -> &str {
        self.latin.first().map(String::as_str).unwrap_or("")
    }
}

/// A pool of name entries with cumulative Zipf weights for sampling.
#[derive(Debug)]
pub(crate) struct Pool {
    pub entries: Vec<NameEntry>,
    cumulative: Vec<f64>,
}

impl Pool {
    fn parse(text: &str, exponent: f64) -> Pool {
        let entries: Vec<NameEntry> = text
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_entry)
            .collect();
        Pool::from_entries(entries, exponent)
    }

    fn from_entries(entries: Vec<NameEntry>, exponent: f64) -> Pool {
        let mut total = 0.0;
        let cumulative = (0..entries.len())
            .map(|rank| {
                total += 1.0 / ((rank + 1) as f64).powf(exponent);
                total
            })
            .collect();
        Pool {
            entries,
            cumulative,
        }
    }

    /// Draws one entry, common names more often. `None` only for an empty pool.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> Option<&NameEntry> {
        let total = *self.cumulative.last()?;
        let x = rng.random::<f64>() * total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        self.entries.get(i.min(self.entries.len() - 1))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn parse_entry(text: &str) -> NameEntry {
    let (latin, native) = match text.split_once('=') {
        Some((l, n)) => (l, Some(n.trim().to_string())),
        None => (text, None),
    };
    let mut forms: Vec<String> = Vec::new();
    for form in latin.split('|').map(str::trim).filter(|f| !f.is_empty()) {
        if !forms.iter().any(|f| f == form) {
            forms.push(form.to_string());
        }
    }
    NameEntry {
        latin: forms,
        native,
    }
}

/// Grammatical gender, which decides given names and (in Slavic cultures) family-name forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gender {
    Male,
    Female,
}

/// A culture: its names, countries, and how its records look.
#[derive(Debug)]
pub(crate) struct Culture {
    pub code: &'static str,
    /// Share of persons of this culture in a population.
    pub weight: f64,
    pub script: Script,
    /// Countries of birth and nationality, most likely first.
    pub countries: &'static [&'static str],
    pub given_m: Pool,
    pub given_f: Pool,
    /// Middle names (patronymics in Russian and Ukrainian); empty means "another given name".
    pub middle_m: Pool,
    pub middle_f: Pool,
    pub family: Pool,
    /// Share of persons whose record carries a middle name.
    pub middle_rate: f64,
    /// Share of family names drawn from the composed long tail instead of the pool.
    pub tail_rate: f64,
    tail_prefix: Vec<NameEntry>,
    tail_suffix: Vec<NameEntry>,
    /// Share of persons with two family names joined (Spanish paternal + maternal).
    pub double_family_rate: f64,
    /// Whether the family name is written first in the culture's own order.
    pub family_first: bool,
}

impl Culture {
    /// Draws a family name entry, from the pool or the composed tail.
    pub fn draw_family(&self, rng: &mut ChaCha8Rng) -> NameEntry {
        if !self.tail_prefix.is_empty()
            && !self.tail_suffix.is_empty()
            && rng.random_bool(self.tail_rate)
        {
            let p = &self.tail_prefix[rng.random_range(0..self.tail_prefix.len())];
            let s = &self.tail_suffix[rng.random_range(0..self.tail_suffix.len())];
            return compose(p, s);
        }
        self.family
            .draw(rng)
            .cloned()
            .unwrap_or_else(|| parse_entry("Doe"))
    }
}

/// Joins a prefix and a suffix entry form by form (`Stein` + `hofer`, `Бел` + `ов`).
fn compose(prefix: &NameEntry, suffix: &NameEntry) -> NameEntry {
    let mut latin = Vec::new();
    for p in &prefix.latin {
        for s in &suffix.latin {
            let form = format!("{p}{s}");
            if !latin.contains(&form) {
                latin.push(form);
            }
        }
    }
    let native = match (&prefix.native, &suffix.native) {
        (Some(p), Some(s)) => Some(format!("{p}{s}")),
        _ => None,
    };
    NameEntry { latin, native }
}

/// The feminine form of a Slavic family name (`Ivanov` to `Ivanova`, `Kowalski` to
/// `Kowalska`, `Ковальський` to `Ковальська`), applied to every written form.
pub(crate) fn feminine(entry: &NameEntry, culture: &str) -> NameEntry {
    let latin = entry
        .latin
        .iter()
        .map(|f| feminine_form(f, culture))
        .collect();
    let native = entry.native.as_deref().map(|f| feminine_form(f, culture));
    NameEntry { latin, native }
}

fn feminine_form(form: &str, culture: &str) -> String {
    const RULES_RU: &[(&str, &str)] = &[
        ("skiy", "skaya"),
        ("skii", "skaya"),
        ("sky", "skaya"),
        ("ski", "skaya"),
        ("ский", "ская"),
        ("цкий", "цкая"),
        ("ov", "ova"),
        ("ev", "eva"),
        ("in", "ina"),
        ("ов", "ова"),
        ("ев", "ева"),
        ("ин", "ина"),
    ];
    const RULES_UA: &[(&str, &str)] = &[
        ("skyi", "ska"),
        ("skyy", "ska"),
        ("sky", "ska"),
        ("ський", "ська"),
        ("ov", "ova"),
        ("ev", "eva"),
        ("ов", "ова"),
        ("ев", "ева"),
    ];
    const RULES_PL: &[(&str, &str)] = &[("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")];
    let rules = match culture {
        "ru" => RULES_RU,
        "ua" => RULES_UA,
        "pl" => RULES_PL,
        _ => &[],
    };
    for (from, to) in rules {
        if let Some(stem) = form.strip_suffix(from) {
            return format!("{stem}{to}");
        }
    }
    form.to_string()
}

/// Every culture, parsed once.
pub(crate) fn cultures() -> &'static [Culture] {
    static CULTURES: OnceLock<Vec<Culture>> = OnceLock::new();
    CULTURES.get_or_init(|| DEFS.iter().map(Def::build).collect())
}

/// Draws a culture by its population weight.
pub(crate) fn draw_culture(rng: &mut ChaCha8Rng) -> &'static Culture {
    let all = cultures();
    let total: f64 = all.iter().map(|c| c.weight).sum();
    let mut x = rng.random::<f64>() * total;
    for c in all {
        if x < c.weight {
            return c;
        }
        x -= c.weight;
    }
    &all[all.len() - 1]
}

struct Def {
    code: &'static str,
    weight: f64,
    script: Script,
    countries: &'static [&'static str],
    given_m: &'static str,
    given_f: &'static str,
    middle_m: &'static str,
    middle_f: &'static str,
    family: &'static str,
    middle_rate: f64,
    tail_rate: f64,
    tail_prefix: &'static str,
    tail_suffix: &'static str,
    double_family_rate: f64,
    family_first: bool,
}

/// Zipf exponent of given names: a handful of very common names, a long flat tail.
const GIVEN_EXPONENT: f64 = 0.9;
/// Zipf exponent of family names: flatter than given names, as in real registers.
const FAMILY_EXPONENT: f64 = 0.75;

impl Def {
    fn build(&self) -> Culture {
        let entries = |s: &str| -> Vec<NameEntry> {
            s.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(parse_entry)
                .collect()
        };
        Culture {
            code: self.code,
            weight: self.weight,
            script: self.script,
            countries: self.countries,
            given_m: Pool::parse(self.given_m, GIVEN_EXPONENT),
            given_f: Pool::parse(self.given_f, GIVEN_EXPONENT),
            middle_m: Pool::parse(self.middle_m, GIVEN_EXPONENT),
            middle_f: Pool::parse(self.middle_f, GIVEN_EXPONENT),
            family: Pool::parse(self.family, FAMILY_EXPONENT),
            middle_rate: self.middle_rate,
            tail_rate: self.tail_rate,
            tail_prefix: entries(self.tail_prefix),
            tail_suffix: entries(self.tail_suffix),
            double_family_rate: self.double_family_rate,
            family_first: self.family_first,
        }
    }
}

const DEFS: &[Def] = &[
    Def {
        code: "en",
        weight: 0.13,
        script: Script::Latin,
        countries: &["GB", "US", "IE", "US", "GB", "CA", "AU"],
        given_m: "James; John; Robert; Michael; William; David; Richard; Joseph; Thomas; Charles; Christopher; Daniel; Matthew; Anthony; Mark; Steven; Paul; Andrew; Joshua; Kevin; Brian; George; Edward; Ronald; Timothy; Jason; Jeffrey; Ryan; Gary; Nicholas; Eric; Stephen|Steven; Jonathan; Larry; Justin; Scott; Brandon; Benjamin; Samuel; Patrick; Jack; Oliver; Harry; Philip|Phillip; Geoffrey|Jeffrey; Sean|Shaun|Shawn",
        given_f: "Mary; Patricia; Jennifer; Linda; Elizabeth; Barbara; Susan; Jessica; Sarah|Sara; Karen; Nancy; Lisa; Margaret; Betty; Sandra; Ashley; Dorothy; Kimberly; Emily; Donna; Michelle; Carol; Amanda; Melissa; Deborah; Stephanie; Rebecca; Laura; Sharon; Cynthia; Kathleen; Amy; Shirley; Angela; Helen; Anna; Emma; Olivia; Sophie; Charlotte; Catherine|Katherine|Kathryn; Ann|Anne; Jacqueline; Caitlin|Kaitlyn",
        middle_m: "",
        middle_f: "",
        family: "Smith; Johnson; Williams; Brown; Jones; Miller; Davis; Wilson; Anderson; Taylor; Thomas; Moore; Martin; Jackson; Thompson; White; Harris; Clark; Lewis; Robinson; Walker; Young; Allen; King; Wright; Scott; Hill; Green; Adams; Baker; Nelson; Carter; Mitchell; Roberts; Turner; Phillips; Campbell; Parker; Evans; Edwards; Collins; Stewart|Stuart; Morris; Murphy; Cook; Rogers; Morgan; Cooper; Peterson; Reed|Reid; Bailey; Kelly; Howard; Ward; Cox; Richardson; Wood; Watson; Brooks; Bennett; Gray|Grey; Hughes; Price; O'Brien; O'Connor; MacDonald|McDonald; McKenzie|MacKenzie; Thomson|Thompson",
        middle_rate: 0.35,
        tail_rate: 0.35,
        tail_prefix: "Ash; Black; Brook; Clay; Fair; Hart; Hol; Lang; Mar; Red; Stan; Thorn; Whit; Wood; Ather; Bright; Cold; Hay; Kirk; Mill; Brad; Chad; Dun; Els; Fen; Gold; Hamp; Kings; Lin; Nor",
        tail_suffix: "ley; ton; field; wood; ford; worth; by; well; man; ridge; hurst; wick; stone; combe; more",
        double_family_rate: 0.0,
        family_first: false,
    },
    Def {
        code: "de",
        weight: 0.12,
        script: Script::Latin,
        countries: &["DE", "DE", "DE", "AT", "CH"],
        given_m: "Thomas; Michael; Andreas; Stefan|Stephan; Peter; Christian; Frank; Klaus; Jürgen|Juergen|Jurgen; Wolfgang; Markus|Marcus; Matthias|Mathias; Alexander; Martin; Daniel; Sebastian; Tobias; Florian; Jan; Lukas|Lucas; Felix; Maximilian; Jonas; Leon; Paul; Uwe; Dieter; Günter|Günther|Guenter|Gunter; Hans; Karl|Carl; Heinz; Manfred; Ralf|Ralph; Jörg|Joerg|Jorg; Dirk; Sven; Torsten|Thorsten; Björn|Bjoern|Bjorn; Philipp|Philip; Niklas|Nicklas",
        given_f: "Sabine; Ursula; Monika; Petra; Claudia; Susanne; Andrea; Stefanie|Stephanie; Nicole; Katrin|Kathrin|Catrin; Julia; Anna; Laura; Lena; Lea|Leah; Sarah|Sara; Hannah|Hanna; Sophie|Sofie; Marie; Emma; Mia; Birgit; Heike; Karin|Carin; Renate; Gabriele; Brigitte; Ingrid; Jutta; Silke; Anja; Tanja; Melanie; Jessica; Christina|Kristina; Jana; Franziska; Charlotte",
        middle_m: "",
        middle_f: "",
        family: "Müller|Mueller|Muller; Schmidt|Schmitt|Schmid; Schneider; Fischer; Weber; Meyer|Meier|Maier|Mayer; Wagner; Becker; Schulz; Hoffmann|Hofmann; Schäfer|Schaefer|Schafer; Koch; Bauer; Richter; Klein; Wolf; Schröder|Schroeder|Schroder; Neumann; Schwarz; Zimmermann; Braun; Krüger|Krueger|Kruger; Hofmann; Hartmann; Lange; Schmitz; Werner; Krause; Meier; Lehmann; Schmid; Schulze; Maier; Köhler|Koehler|Kohler; Herrmann|Hermann; König|Koenig|Konig; Walter|Walther; Mayer; Huber; Kaiser; Fuchs; Peters; Lang; Scholz; Möller|Moeller|Moller; Weiß|Weiss; Jung; Hahn; Schubert; Vogel; Friedrich; Keller; Günther|Guenther|Gunther; Frank; Berger; Winkler; Roth; Beck; Lorenz; Baumann; Franke; Albrecht; Schuster; Simon; Ludwig; Böhm|Boehm|Bohm; Winter; Kraus|Krauss|Krauß; Martin; Schumacher; Krämer|Kraemer|Kramer; Vogt; Stein; Jäger|Jaeger|Jager; Otto; Sommer; Groß|Gross; Seidel; Heinrich; Brandt|Brand; Haas; Schreiber; Graf; Dietrich; Ziegler; Kuhn; Kühn|Kuehn",
        middle_rate: 0.2,
        tail_rate: 0.4,
        tail_prefix: "Bach; Berg; Brand; Eich; Fisch; Hoch; Kirch; Lang; Linden; Mühl|Muehl|Muhl; Neu; Ober; Rosen; Schön|Schoen|Schon; Stein; Wald; Wies; Alt; Grün|Gruen|Grun; Holz; Ass; Bren; Dorn; Eder; Feld; Gries; Hagen; Kess; Lind; Rein",
        tail_suffix: "mann; er; berger; meier|meyer|maier; hofer; huber; stetter; bauer; hausen; feld; müller|mueller; thal|tal; inger; ner; brecht",
        double_family_rate: 0.0,
        family_first: false,
    },
    Def {
        code: "fr",
        weight: 0.08,
        script: Script::Latin,
        countries: &["FR", "FR", "FR", "BE", "CH", "LU"],
        given_m: "Jean; Pierre; Michel; André|Andre; Philippe; Alain; Jacques; Bernard; Christophe; François|Francois; Nicolas; Frédéric|Frederic; Laurent; Stéphane|Stephane; Olivier; Julien; Sébastien|Sebastien; David; Thierry; Patrick; Éric|Eric; Christian; Guillaume; Antoine; Maxime; Hugo; Lucas; Louis; Gabriel; Arthur; Jean-Pierre|Jean Pierre; Jean-Claude|Jean Claude; Jean-Luc|Jean Luc; Mathieu|Matthieu; Rémi|Remi|Rémy|Remy; Benoît|Benoit",
        given_f: "Marie; Nathalie; Isabelle; Sylvie; Catherine; Françoise|Francoise; Christine; Monique; Valérie|Valerie; Sandrine; Céline|Celine; Sophie; Julie; Aurélie|Aurelie; Émilie|Emilie; Camille; Léa|Lea; Manon; Chloé|Chloe; Inès|Ines; Jade; Louise; Anne; Hélène|Helene; Véronique|Veronique; Stéphanie|Stephanie; Marie-Claire|Marie Claire; Anne-Sophie|Anne Sophie; Élodie|Elodie; Margaux|Margot",
        middle_m: "",
        middle_f: "",
        family: "Martin; Bernard; Dubois; Thomas; Robert; Richard; Petit; Durand; Leroy; Moreau; Simon; Laurent; Lefebvre|Lefèvre|Lefevre; Michel; Garcia; David; Bertrand; Roux; Vincent; Fournier; Morel; Girard; André|Andre; Lefèvre|Lefevre; Mercier; Dupont; Lambert; Bonnet; François|Francois; Martinez; Legrand; Garnier; Faure; Rousseau; Blanc; Guérin|Guerin; Muller; Henry|Henri; Roussel; Nicolas; Perrin; Morin; Mathieu; Clément|Clement; Gauthier|Gautier; Dumont; Lopez; Fontaine; Chevalier; Robin; Masson; Sanchez; Gérard|Gerard; Nguyen; Boyer; Denis; Lemaire; Duval; Joly; Gautier; Roger; Roche; Roy; Noël|Noel; Meyer; Lucas; Meunier; Jean; Perez; Marchand; Dufour; Blanchard; Marie; Barbier; Brun; Dumas; Brunet; Schmitt; Leroux; Colin; Fernandez",
        middle_rate: 0.15,
        tail_rate: 0.3,
        tail_prefix: "Beau; Bel; Bon; Char; Chau; Cour; Font; Gar; Lar; Mont; Pré|Pre; Roch; Val; Ville; Mal",
        tail_suffix: "champ; mont; court; fort; ville; lieu; vert; rieux; bois; mas; chard; ier",
        double_family_rate: 0.0,
        family_first: false,
    },
    Def {
        code: "es",
        weight: 0.09,
        script: Script::Latin,
        countries: &["ES", "ES", "MX", "CO", "AR", "PE", "VE", "CL", "EC"],
        given_m: "José|Jose; Antonio; Juan; Manuel; Francisco; Luis; Javier|Xavier; Miguel; Carlos; Jesús|Jesus; Alejandro; Rafael; Pedro; Daniel; Ángel|Angel; David; Fernando; Pablo; Sergio; Jorge; Alberto; Diego; Andrés|Andres; Ramón|Ramon; Enrique; Vicente; Álvaro|Alvaro; Adrián|Adrian; Raúl|Raul; Óscar|Oscar; Rubén|Ruben; Iván|Ivan; Gonzalo; Hugo; Mateo; Santiago; Sebastián|Sebastian; Juan Carlos; José Luis|Jose Luis; Guillermo",
        given_f: "María|Maria; Carmen; Ana; Isabel; Dolores; Pilar; Teresa; Rosa; Josefa; Cristina; Laura; Marta; Lucía|Lucia; Elena; Mercedes; Paula; Sara; Raquel; Silvia; Patricia; Beatriz; Rocío|Rocio; Alba; Andrea; Sofía|Sofia; Valentina; Camila; Gabriela; Daniela; Ximena|Jimena; Mariana; Guadalupe; Verónica|Veronica; María José|Maria Jose; Ana María|Ana Maria",
        middle_m: "",
        middle_f: "",
        family: "García|Garcia; Rodríguez|Rodriguez; González|Gonzalez; Fernández|Fernandez; López|Lopez; Martínez|Martinez; Sánchez|Sanchez; Pérez|Perez; Gómez|Gomez; Martín|Martin; Jiménez|Jimenez|Giménez; Ruiz; Hernández|Hernandez; Díaz|Diaz; Moreno; Muñoz|Munoz; Álvarez|Alvarez; Romero; Alonso; Gutiérrez|Gutierrez; Navarro; Torres; Domínguez|Dominguez; Vázquez|Vazquez|Vásquez|Vasquez; Ramos; Gil; Ramírez|Ramirez; Serrano; Blanco; Molina; Morales; Suárez|Suarez; Ortega; Delgado; Castro; Ortiz; Rubio; Marín|Marin; Sanz; Núñez|Nunez; Iglesias; Medina; Garrido; Cortés|Cortes; Castillo; Santos; Lozano; Guerrero; Cano; Prieto; Méndez|Mendez; Cruz; Calvo; Gallego; Vidal; León|Leon; Márquez|Marquez; Herrera; Peña|Pena; Flores; Cabrera; Campos; Vega; Fuentes; Carrasco; Díez|Diez; Caballero; Reyes; Aguilar; Pascual; Santana; Herrero; Montero; Lorenzo; Hidalgo; Giménez|Gimenez; Ibáñez|Ibanez; Ferrer; Durán|Duran; Santiago; Benítez|Benitez; Mora; Vicente; Vargas; Arias; Carmona; Crespo; Román|Roman; Pastor; Soto; Sáez|Saez; Velasco; Moya; Soler; Parra; Esteban; Bravo; Gallardo; Rojas",
        middle_rate: 0.1,
        tail_rate: 0.15,
        tail_prefix: "Alba; Bel; Cal; Car; Val; Mon; Villa; Casa; Riva; Sal",
        tail_suffix: "rrubia; monte; verde; nueva; franca; mayor; dolid; bona; seca",
        double_family_rate: 0.55,
        family_first: false,
    },
    Def {
        code: "it",
        weight: 0.07,
        script: Script::Latin,
        countries: &["IT", "IT", "IT", "CH", "SM"],
        given_m: "Giuseppe; Giovanni; Antonio; Mario; Luigi; Francesco; Angelo; Vincenzo; Pietro; Salvatore; Carlo; Franco; Domenico; Bruno; Paolo; Michele; Giorgio; Aldo; Sergio; Luciano; Marco; Andrea; Alessandro; Luca; Matteo; Lorenzo; Leonardo; Davide; Stefano; Roberto; Massimo; Fabio; Simone; Gabriele; Riccardo; Niccolò|Nicolò|Niccolo|Nicolo; Emanuele; Gianluca",
        given_f: "Maria; Anna; Giuseppina; Rosa; Angela; Giovanna; Teresa; Lucia; Carmela; Caterina; Francesca; Antonella; Paola; Laura; Valentina; Chiara; Giulia; Sara; Alessia; Martina; Sofia; Aurora; Alice; Ginevra; Elena; Federica; Silvia; Roberta; Elisabetta; Simona",
        middle_m: "",
        middle_f: "",
        family: "Rossi; Russo; Ferrari; Esposito; Bianchi; Romano; Colombo; Ricci; Marino; Greco; Bruno; Gallo; Conti; De Luca|Deluca|DeLuca; Mancini; Costa; Giordano; Rizzo; Lombardi; Moretti; Barbieri; Fontana; Santoro; Mariani; Rinaldi; Caruso; Ferrara; Galli; Martini; Leone; Longo; Gentile; Martinelli; Vitale; Lombardo; Serra; Coppola; De Santis|Desantis|DeSantis; D'Angelo|DAngelo|D Angelo; Marchetti; Parisi; Villa; Conte; Ferraro; Ferri; Fabbri; Bianco; Marini; Grasso; Valentini; Messina; Sala; De Angelis|Deangelis; Gatti; Pellegrini; Palumbo; Sanna; Farina; Rizzi; Monti; Cattaneo; Morelli; Amato; Silvestri; Mazza; Testa; Grassi; Pellegrino; Carbone; Giuliani; Benedetti; Barone; Rossetti; Caputo; Montanari; Guerra; Palmieri; Bernardi; Martino; Fiore; De Rosa|Derosa; Ferretti; Bellini; Basile; Riva; Donati; Piras; Vitali; Battaglia; Sartori; Neri; Costantini; Milani; Pagano; Ruggiero; Sorrentino; D'Amico|DAmico|D Amico",
        middle_rate: 0.1,
        tail_rate: 0.3,
        tail_prefix: "Bel; Bon; Cam; Cast; Fer; Mar; Mont; Pel; Ros; San; Tor; Val; Zan; Ber; Pag",
        tail_suffix: "ini; etti; elli; oni; ucci; otti; ardi; ese; aro; one; azzi",
        double_family_rate: 0.0,
        family_first: false,
    },
    Def {
        code: "pl",
        weight: 0.06,
        script: Script::Latin,
        countries: &["PL", "PL", "PL", "PL", "DE", "GB"],
        given_m: "Piotr; Krzysztof; Andrzej; Tomasz; Paweł|Pawel; Jan; Michał|Michal; Marcin; Stanisław|Stanislaw; Jakub; Adam; Marek; Łukasz|Lukasz; Grzegorz; Mateusz; Wojciech; Mariusz; Dariusz; Zbigniew; Jerzy; Maciej; Rafał|Rafal; Robert; Kamil; Józef|Jozef; Szymon; Kacper; Bartosz; Dawid; Wiktor",
        given_f: "Anna; Maria; Katarzyna; Małgorzata|Malgorzata; Agnieszka; Barbara; Ewa; Krystyna; Elżbieta|Elzbieta; Magdalena; Joanna; Zofia; Monika; Teresa; Danuta; Natalia; Aleksandra; Karolina; Marta; Beata; Dorota; Justyna; Paulina; Julia; Zuzanna; Hanna; Wiktoria; Jadwiga; Halina; Iwona",
        middle_m: "",
        middle_f: "",
        family: "Nowak; Kowalski|Kovalski; Wiśniewski|Wisniewski; Wójcik|Wojcik; Kowalczyk; Kamiński|Kaminski; Lewandowski; Zieliński|Zielinski; Szymański|Szymanski; Woźniak|Wozniak; Dąbrowski|Dabrowski; Kozłowski|Kozlowski; Jankowski; Mazur; Wojciechowski; Kwiatkowski; Krawczyk; Kaczmarek; Piotrowski; Grabowski; Zając|Zajac; Pawłowski|Pawlowski; Michalski; Król|Krol; Wieczorek; Jabłoński|Jablonski; Wróbel|Wrobel; Nowakowski; Majewski; Olszewski; Stępień|Stepien; Malinowski; Jaworski; Adamczyk; Dudek; Nowicki; Pawlak; Górski|Gorski; Witkowski; Walczak; Sikora; Baran; Rutkowski; Michalak; Szewczyk; Ostrowski; Tomaszewski; Pietrzak; Zalewski; Wróblewski|Wroblewski",
        middle_rate: 0.1,
        tail_rate: 0.35,
        tail_prefix: "Bor; Brze; Chmiel; Dęb|Deb; Gór|Gor; Jasien; Kras; Lip; Mał|Mal; Ostr; Rad; Sos; Wol; Zaw; Brod",
        tail_suffix: "owski; ewski; iński|inski; ecki; icki; ak; czyk; ek; owicz; iak",
        double_family_rate: 0.0,
        family_first: false,
    },
    Def {
        code: "ru",
        weight: 0.07,
        script: Script::Cyrillic,
        countries: &["RU", "RU", "RU", "RU", "KZ", "BY", "LV"],
        given_m: "Aleksandr|Alexander|Alexandr|Aleksander=Александр; Sergey|Sergei|Serguei=Сергей; Dmitriy|Dmitry|Dmitri|Dmitrii=Дмитрий; Andrey|Andrei|Andrej=Андрей; Aleksey|Alexey|Alexei|Aleksei=Алексей; Vladimir|Wladimir=Владимир; Ivan=Иван; Mikhail|Mikhail|Michail|Mihail=Михаил; Nikolay|Nikolai|Nicolai=Николай; Yevgeniy|Evgeny|Evgeniy|Evgenii|Yevgeny=Евгений; Igor=Игорь; Maksim|Maxim=Максим; Artyom|Artem|Artiom=Артём; Oleg=Олег; Yuriy|Yury|Yuri|Iurii=Юрий; Pavel=Павел; Viktor|Victor=Виктор; Roman=Роман; Anatoliy|Anatoly|Anatolii=Анатолий; Vyacheslav|Viacheslav=Вячеслав; Konstantin=Константин; Denis=Денис; Kirill|Cyril=Кирилл; Ilya|Ilia|Ilja=Илья; Nikita=Никита; Boris=Борис; Gennadiy|Gennady|Gennadi=Геннадий; Valeriy|Valery|Valeri=Валерий; Grigoriy|Grigory|Grigori=Григорий; Stanislav=Станислав",
        given_f: "Yelena|Elena|Jelena=Елена; Olga|Olgha=Ольга; Natalya|Natalia|Natalja|Nataliya=Наталья; Tatyana|Tatiana|Tatjana=Татьяна; Irina=Ирина; Svetlana=Светлана; Anna=Анна; Mariya|Maria|Marija=Мария; Yekaterina|Ekaterina|Katerina=Екатерина; Lyudmila|Ludmila|Liudmila=Людмила; Galina=Галина; Anastasiya|Anastasia|Anastassia=Анастасия; Yuliya|Julia|Yulia|Iuliia=Юлия; Marina=Марина; Oksana=Оксана; Valentina=Валентина; Nadezhda|Nadejda=Надежда; Larisa|Larissa=Лариса; Darya|Daria|Darja=Дарья; Kseniya|Ksenia|Xenia=Ксения; Alina=Алина; Polina=Полина; Viktoriya|Victoria|Viktoria=Виктория; Vera=Вера",
        middle_m: "Aleksandrovich|Alexandrovich=Александрович; Sergeyevich|Sergeevich=Сергеевич; Vladimirovich=Владимирович; Ivanovich=Иванович; Nikolayevich|Nikolaevich=Николаевич; Mikhaylovich|Mikhailovich=Михайлович; Viktorovich=Викторович; Andreyevich|Andreevich=Андреевич; Yuryevich|Yurievich=Юрьевич; Petrovich=Петрович; Borisovich=Борисович; Olegovich=Олегович",
        middle_f: "Aleksandrovna|Alexandrovna=Александровна; Sergeyevna|Sergeevna=Сергеевна; Vladimirovna=Владимировна; Ivanovna=Ивановна; Nikolayevna|Nikolaevna=Николаевна; Mikhaylovna|Mikhailovna=Михайловна; Viktorovna=Викторовна; Andreyevna|Andreevna=Андреевна; Yuryevna|Yurievna=Юрьевна; Petrovna=Петровна; Borisovna=Борисовна; Olegovna=Олеговна",
        family: "Ivanov|Ivanoff=Иванов; Smirnov=Смирнов; Kuznetsov|Kuznecov|Kusnezow=Кузнецов; Popov|Popoff=Попов; Vasilyev|Vasiliev|Wassiljew=Васильев; Petrov|Petroff=Петров; Sokolov=Соколов; Mikhaylov|Mikhailov|Michailow=Михайлов; Novikov=Новиков; Fyodorov|Fedorov|Fiodorov=Фёдоров; Morozov=Морозов; Volkov|Volkoff=Волков; Alekseyev|Alekseev|Alexeev=Алексеев; Lebedev=Лебедев; Semyonov|Semenov|Semionov=Семёнов; Yegorov|Egorov=Егоров; Pavlov=Павлов; Kozlov=Козлов; Stepanov=Степанов; Nikolayev|Nikolaev=Николаев; Orlov=Орлов; Andreyev|Andreev=Андреев; Makarov=Макаров; Nikitin=Никитин; Zakharov|Zaharov=Захаров; Zaytsev|Zaitsev|Zaitsev=Зайцев; Solovyov|Soloviev|Solovyev=Соловьёв; Borisov=Борисов; Yakovlev|Jakovlev=Яковлев; Grigoryev|Grigoriev=Григорьев; Romanov=Романов; Vorobyov|Vorobiev=Воробьёв; Sergeyev|Sergeev=Сергеев; Kuzmin=Кузьмин; Frolov=Фролов; Aleksandrov|Alexandrov=Александров; Dmitriyev|Dmitriev=Дмитриев; Korolyov|Korolev=Королёв; Gusev=Гусев; Kiselyov|Kiselev=Киселёв; Ilyin|Iljin|Ilin=Ильин; Maksimov|Maximov=Максимов; Polyakov|Poliakov=Поляков; Sorokin=Сорокин; Vinogradov=Виноградов; Kovalyov|Kovalev=Ковалёв; Belov=Белов; Medvedev=Медведев; Antonov=Антонов; Tarasov=Тарасов; Zhukov|Jukov|Schukow=Жуков; Baranov=Баранов; Filippov=Филиппов; Komarov=Комаров; Davydov|Davidov=Давыдов; Belyayev|Belyaev|Beliaev=Беляев; Gerasimov=Герасимов; Bogdanov=Богданов; Osipov=Осипов; Sidorov=Сидоров; Matveyev|Matveev=Матвеев; Titov=Титов; Markov=Марков; Mironov=Миронов; Krylov=Крылов; Kulikov=Куликов; Karpov=Карпов; Vlasov=Власов; Melnikov=Мельников; Denisov=Денисов; Gavrilov=Гаврилов; Tikhonov|Tichonov=Тихонов; Kazakov=Казаков; Afanasyev|Afanasiev=Афанасьев; Danilov=Данилов; Savelyev|Saveliev=Савельев; Timofeyev|Timofeev=Тимофеев; Fomin=Фомин; Chernov|Tchernov=Чернов; Abramov=Абрамов; Martynov=Мартынов; Yefimov|Efimov=Ефимов; Fedotov=Федотов; Shcherbakov|Scherbakov|Shherbakov=Щербаков; Nazarov=Назаров; Kalinin=Калинин; Isayev|Isaev=Исаев; Chernyshev|Tchernyshev=Чернышёв; Bykov=Быков; Maslov=Маслов; Rodionov=Родионов; Konovalov=Коновалов; Lazarev=Лазарев; Voronin=Воронин; Klimov=Климов; Filatov=Филатов; Ponomaryov|Ponomarev=Пономарёв; Golubev=Голубев; Kudryavtsev|Kudriavtsev=Кудрявцев; Prokhorov|Prohorov=Прохоров; Naumov=Наумов; Potapov=Потапов; Zhuravlyov|Zhuravlev=Журавлёв; Ovchinnikov=Овчинников; Trofimov=Трофимов; Leonov=Леонов; Sobolev=Соболев; Yermakov|Ermakov=Ермаков; Kolesnikov=Колесников; Goncharov=Гончаров; Yemelyanov|Emelyanov=Емельянов; Nikiforov=Никифоров; Grachyov|Grachev=Грачёв; Kotov=Котов; Grishin=Гришин; Yefremov|Efremov=Ефремов; Arkhipov|Archipov=Архипов; Gromov=Громов; Kirillov=Кириллов; Malyshev=Малышев; Panov=Панов; Moiseyev|Moiseev=Моисеев; Rumyantsev|Rumiantsev=Румянцев; Akimov=Акимов; Kondratyev|Kondratiev=Кондратьев; Biryukov|Biriukov=Бирюков; Gorbunov=Горбунов; Anisimov=Анисимов; Yeremin|Eremin=Ерёмин; Tikhomirov=Тихомиров; Galkin=Галкин; Lukyanov|Lukianov=Лукьянов; Mikheyev|Mikheev=Михеев; Skvortsov=Скворцов; Yudin|Iudin=Юдин; Belousov=Белоусов; Nesterov=Нестеров; Simonov=Симонов; Prokofyev|Prokofiev=Прокофьев; Kharitonov|Haritonov=Харитонов; Knyazev|Kniazev=Князев; Tsvetkov|Cvetkov=Цветков; Levin=Левин; Mitrofanov=Митрофанов; Voronov=Воронов; Aksyonov|Aksenov=Аксёнов; Sofronov=Софронов; Maltsev=Мальцев; Loginov=Логинов; Gorshkov=Горшков; Savin=Савин; Krasnov=Краснов; Mayorov|Maiorov=Майоров; Demidov=Демидов; Yeliseyev|Eliseev=Елисеев; Rybakov=Рыбаков; Safonov=Сафонов; Plotnikov=Плотников; Demin=Дёмин; Khokhlov|Hohlov=Хохлов; Fadeyev|Fadeev=Фадеев; Molchanov=Молчанов; Ignatov=Игнатов; Litvinov=Литвинов; Yershov|Ershov=Ершов; Ushakov=Ушаков; Dementyev|Dementiev=Дементьев; Ryabov|Riabov=Рябов; Mukhin|Muhin=Мухин; Kalashnikov=Калашников; Leontyev|Leontiev=Леонтьев; Lobanov=Лобанов; Kuzin=Кузин; Korneyev|Korneev=Корнеев; Yevdokimov|Evdokimov=Евдокимов; Borodin=Бородин; Platonov=Платонов; Nekrasov=Некрасов; Balashov=Балашов; Bobrov=Бобров; Zhdanov|Jdanov=Жданов; Blinov=Блинов; Ignatyev|Ignatiev=Игнатьев; Korotkov=Коротков; Muravyov|Muraviev=Муравьёв; Kryukov|Kriukov=Крюков; Belyakov|Beliakov=Беляков; Bogomolov=Богомолов; Drozdov=Дроздов; Lavrov=Лавров; Zuyev|Zuev=Зуев; Petukhov|Petuhov=Петухов; Larin=Ларин; Nikulin=Никулин; Serov=Серов; Terentyev|Terentiev=Терентьев; Zotov=Зотов; Ustinov=Устинов; Fokin=Фокин; Samoylov|Samoilov=Самойлов; Konstantinov=Константинов; Sakharov|Saharov=Сахаров; Shishkin=Шишкин; Samsonov=Самсонов; Cherkasov|Tcherkasov=Черкасов; Chistyakov|Chistiakov=Чистяков; Nosov=Носов; Spiridonov=Спиридонов; Karasyov|Karasev=Карасёв; Avdeyev|Avdeev=Авдеев; Vorontsov=Воронцов; Zverev=Зверев; Vladimirov=Владимиров; Seleznyov|Seleznev=Селезнёв; Nechayev|Nechaev=Нечаев; Kudryashov|Kudriashov=Кудряшов; Sedov=Седов; Firsov=Фирсов; Andrianov=Андрианов; Panin=Панин; Golovin=Головин; Terekhov|Terehov=Терехов; Ulyanov|Ulianov=Ульянов; Shestakov=Шестаков; Ageyev|Ageev=Агеев; Nikonov=Никонов; Selivanov=Селиванов; Bazhenov|Bajenov=Баженов; Gordeyev|Gordeev=Гордеев; Kozhevnikov|Kojevnikov=Кожевников; Pakhomov|Pahomov=Пахомов; Zimin=Зимин; Kostin=Костин; Shirokov=Широков; Filimonov=Филимонов; Larionov=Ларионов; Ovsyannikov|Ovsiannikov=Овсянников; Sazonov=Сазонов; Suvorov=Суворов; Nefyodov|Nefedov=Нефёдов; Kornilov=Корнилов; Lyubimov|Liubimov=Любимов; Lvov|Lwow=Львов; Gorbachyov|Gorbachev|Gorbatschow=Горбачёв; Kopylov=Копылов; Lukin=Лукин; Tokarev=Токарев; Kuleshov=Кулешов; Shilov=Шилов; Bolshakov=Большаков; Pankratov=Панкратов; Rodin=Родин; Shapovalov=Шаповалов; Pokrovsky|Pokrovskiy|Pokrovskii=Покровский",
        middle_rate: 0.45,
        tail_rate: 0.2,
        tail_prefix: "Bel=Бел; Vol=Вол; Gor=Гор; Kuz=Куз; Mor=Мор; Orl=Орл; Sokol=Сокол; Tar=Тар; Kras=Крас; Bog=Бог; Dub=Дуб; Mel=Мел; Lis=Лис; Kam=Кам; Sav=Сав",
        tail_suffix: "ov=ов; in=ин; ikov=иков; yshev|ishev=ышев; anov=анов; enkov=енков; sky|skiy|skii=ский",
        double_family_rate: 0.0,
        family_first: false,
    },
    Def {
        code: "ua",
        weight: 0.04,
        script: Script::Cyrillic,
        countries: &["UA", "UA", "UA", "PL", "DE"],
        given_m: "Oleksandr|Olexandr|Aleksandr=Олександр; Serhiy|Serhii|Sergiy|Serhij=Сергій; Andriy|Andrii|Andrij=Андрій; Volodymyr|Wolodymyr=Володимир; Mykola|Mykola|Nikolai=Микола; Ivan=Іван; Vasyl|Vasil|Wasyl=Василь; Yuriy|Yurii|Iurii|Jurij=Юрій; Oleh|Oleg=Олег; Mykhailo|Mykhaylo|Mychajlo=Михайло; Dmytro|Dmitro=Дмитро; Viktor=Віктор; Petro=Петро; Taras=Тарас; Bohdan|Bogdan=Богдан; Ihor|Igor=Ігор; Roman=Роман; Vitaliy|Vitalii|Vitalij=Віталій; Yaroslav|Iaroslav|Jaroslaw=Ярослав; Stepan=Степан",
        given_f: "Olena|Olena|Elena=Олена; Oksana=Оксана; Nataliya|Natalia|Natalija=Наталія; Tetyana|Tetiana|Tatiana=Тетяна; Iryna|Irina=Ірина; Svitlana|Swetlana=Світлана; Halyna|Galina|Halina=Галина; Yuliya|Yuliia|Iuliia=Юлія; Kateryna|Katerina=Катерина; Mariya|Mariia|Maria=Марія; Liudmyla|Lyudmyla|Ludmila=Людмила; Valentyna|Valentina=Валентина; Anastasiya|Anastasiia=Анастасія; Viktoriya|Viktoriia=Вікторія; Nadiya|Nadiia=Надія; Larysa|Larisa=Лариса",
        middle_m: "Oleksandrovych=Олександрович; Ivanovych=Іванович; Volodymyrovych=Володимирович; Mykolayovych|Mykolaiovych=Миколайович; Vasylyovych|Vasyliovych=Васильович; Petrovych=Петрович; Serhiyovych|Serhiiovych=Сергійович",
        middle_f: "Oleksandrivna=Олександрівна; Ivanivna=Іванівна; Volodymyrivna=Володимирівна; Mykolayivna|Mykolaivna=Миколаївна; Vasylivna=Василівна; Petrivna=Петрівна; Serhiyivna|Serhiivna=Сергіївна",
        family: "Melnyk|Melnik|Melnyk=Мельник; Shevchenko|Schewtschenko|Chevtchenko=Шевченко; Boyko|Boiko|Bojko=Бойко; Kovalenko=Коваленко; Bondarenko=Бондаренко; Tkachenko|Tkatchenko=Ткаченко; Kovalchuk|Kowaltschuk=Ковальчук; Kravchenko|Krawtschenko=Кравченко; Oliynyk|Oliinyk|Olijnyk=Олійник; Shevchuk=Шевчук; Koval|Kowal=Коваль; Polishchuk|Polishchuk|Polischuk=Поліщук; Bondar=Бондар; Tkachuk=Ткачук; Moroz=Мороз; Marchenko=Марченко; Lysenko|Lisenko=Лисенко; Rudenko=Руденко; Savchenko|Sawtschenko=Савченко; Petrenko=Петренко; Klymenko|Klimenko=Клименко; Pavlenko=Павленко; Savchuk=Савчук; Kuzmenko=Кузьменко; Kucher=Кучер; Karpenko=Карпенко; Kravchuk|Krawtschuk=Кравчук; Ponomarenko=Пономаренко; Vasylenko|Vasilenko=Василенко; Levchenko=Левченко; Kharchenko|Harchenko=Харченко; Honchar|Gonchar=Гончар; Zinchenko=Зінченко; Yurchenko|Iurchenko=Юрченко; Kovalskyi|Kovalsky|Kowalskyj=Ковальський; Hrytsenko|Gritsenko=Гриценко; Yaremchuk|Iaremchuk=Яремчук; Tymoshenko|Timoshenko=Тимошенко; Zelenskyi|Zelensky|Zelenskiy=Зеленський; Kolomoiskyi|Kolomoisky=Коломойський",
        middle_rate: 0.35,
        tail_rate: 0.2,
        tail_prefix: "Bil=Біл; Hor=Гор; Kost=Кост; Lyt|Lit=Лит; Moroz=Мороз; Pan=Пан; Rom=Ром; Sav=Сав; Fed=Фед; Hrab|Grab=Граб",
        tail_suffix: "enko=енко; chuk=чук; yshyn|ishin=ишин; iak|yak=як; ovych=ович",
        double_family_rate: 0.0,
        family_first: false,
    },
    Def {
        code: "gr",
        weight: 0.03,
        script: Script::Greek,
        countries: &["GR", "GR", "GR", "CY"],
        given_m: "Georgios|Giorgos|Yiorgos|George=Γεώργιος; Ioannis|Giannis|Yiannis|Ioannes=Ιωάννης; Konstantinos|Constantinos|Kostas=Κωνσταντίνος; Dimitrios|Dimitris|Demetrios=Δημήτριος; Nikolaos|Nikos|Nicholas=Νικόλαος; Panagiotis|Panayiotis|Panagiotes=Παναγιώτης; Vasileios|Vasilios|Vassilis|Basil=Βασίλειος; Christos|Hristos|Khristos=Χρήστος; Athanasios|Thanasis=Αθανάσιος; Michail|Michael|Mikhail=Μιχαήλ; Evangelos|Vangelis=Ευάγγελος; Spyridon|Spiridon|Spyros=Σπυρίδων; Antonios|Antonis=Αντώνιος; Anastasios|Tasos=Αναστάσιος; Theodoros|Thodoris=Θεόδωρος; Andreas=Ανδρέας; Charalampos|Charalambos|Haralambos=Χαράλαμπος; Alexandros=Αλέξανδρος; Emmanouil|Emmanuel|Manolis=Εμμανουήλ; Stavros=Σταύρος",
        given_f: "Maria=Μαρία; Eleni|Helen|Heleni=Ελένη; Aikaterini|Ekaterini|Katerina=Αικατερίνη; Vasiliki|Vassiliki=Βασιλική; Sofia|Sophia=Σοφία; Angeliki|Aggeliki=Αγγελική; Georgia|Yeorgia=Γεωργία; Dimitra|Demetra=Δήμητρα; Konstantina|Constantina=Κωνσταντίνα; Paraskevi|Paraskevi=Παρασκευή; Christina|Hristina=Χριστίνα; Panagiota|Panayiota=Παναγιώτα; Ioanna|Ioanna=Ιωάννα; Eirini|Irini|Irene=Ειρήνη; Anastasia=Αναστασία; Evangelia|Vangelio=Ευαγγελία",
        middle_m: "",
        middle_f: "",
        family: "Papadopoulos|Papadopulos=Παπαδόπουλος; Papadakis=Παπαδάκης; Papanikolaou|Papanicolaou=Παπανικολάου; Georgiou|Yeorgiou=Γεωργίου; Oikonomou|Economou|Ikonomou=Οικονόμου; Papageorgiou|Papayeorgiou=Παπαγεωργίου; Vasileiou|Vasiliou|Vassiliou=Βασιλείου; Nikolaou|Nicolaou=Νικολάου; Konstantinidis|Constantinidis=Κωνσταντινίδης; Karagiannis|Karayannis=Καραγιάννης; Ioannidis|Ioannides=Ιωαννίδης; Dimitriou|Demetriou=Δημητρίου; Makris|Makkris=Μακρής; Pappas|Papas=Παππάς; Angelopoulos|Aggelopoulos=Αγγελόπουλος; Christodoulou|Hristodoulou=Χριστοδούλου; Antoniou=Αντωνίου; Alexiou=Αλεξίου; Konstantinou|Constantinou=Κωνσταντίνου; Athanasiou=Αθανασίου; Michailidis|Michaelides=Μιχαηλίδης; Theodorou=Θεοδώρου; Triantafyllou|Triantafillou=Τριανταφύλλου; Vlachos|Vlahos=Βλάχος; Kyriakou|Kiriakou=Κυριάκου; Panagiotopoulos|Panayotopoulos=Παναγιωτόπουλος; Stavropoulos=Σταυρόπουλος; Lambrou|Lamprou=Λάμπρου; Nikolaidis|Nicolaides=Νικολαΐδης; Ioannou=Ιωάννου",
        middle_rate: 0.05,
        tail_rate: 0.25,
        tail_prefix: "Kara=Καρα; Papa=Παπα; Chatzi|Hatzi|Hadji=Χατζη; Mavro=Μαυρο; Kalo=Καλο",
        tail_suffix: "giannis|yannis=γιάννης; dimos=δήμος; nikolaou=νικολάου; stathis=στάθης; michalis=μιχάλης",
        double_family_rate: 0.0,
        family_first: false,
    },
    Def {
        code: "ar",
        weight: 0.09,
        script: Script::Arabic,
        countries: &["MA", "EG", "SY", "IQ", "DZ", "TN", "LB", "JO", "SA", "AE"],
        given_m: "Mohammed|Muhammad|Mohamed|Mohammad|Mohamad|Muhammed=محمد; Ahmed|Ahmad|Achmed=أحمد; Ali=علي; Mahmoud|Mahmud|Mahmood=محمود; Mustafa|Moustafa|Mostafa=مصطفى; Hassan|Hasan=حسن; Hussein|Husain|Hussain|Hossein=حسين; Omar|Umar|Omer=عمر; Khaled|Khalid=خالد; Abdullah|Abdallah|Abdulla=عبد الله; Abdulrahman|Abdel Rahman|Abd al-Rahman|Abdelrahman|Abdurrahman=عبد الرحمن; Abdelaziz|Abdulaziz|Abd al-Aziz=عبد العزيز; Youssef|Yousef|Yusuf|Youcef=يوسف; Ibrahim|Ebrahim=إبراهيم; Said|Saeed|Saïd=سعيد; Karim|Kareem=كريم; Tariq|Tarek|Tarik=طارق; Samir|Sameer=سمير; Walid|Waleed=وليد; Rachid|Rashid|Rasheed=رشيد; Nabil|Nabeel=نبيل; Jamal|Gamal=جمال; Hamza=حمزة; Bilal=بلال; Ayman|Aiman=أيمن; Faisal|Faysal=فيصل; Anas=أنس; Amir|Ameer=أمير; Nasser|Nasir|Naser=ناصر; Salah|Salaheddine=صلاح; Adel|Adil=عادل; Majid|Majed|Magid=ماجد; Ismail|Ismael=إسماعيل; Yassin|Yassine|Yasin=ياسين; Zakaria|Zakariya=زكريا",
        given_f: "Fatima|Fatma|Fatimah=فاطمة; Aisha|Aicha|Ayesha=عائشة; Mariam|Maryam|Meriem=مريم; Khadija|Khadidja|Khadeeja=خديجة; Nour|Noor|Nur=نور; Sara|Sarah=سارة; Amina|Aminah=أمينة; Layla|Leila|Laila=ليلى; Zainab|Zeinab|Zaynab=زينب; Yasmin|Yasmine|Jasmin=ياسمين; Hana|Hanaa=هناء; Samira|Sameera=سميرة; Nadia|Nadiya=نادية; Rania|Ranya=رانيا; Salma=سلمى; Huda|Hoda=هدى; Asma|Asmaa=أسماء; Imane|Iman|Eman=إيمان; Souad|Suad=سعاد; Malak=ملاك",
        middle_m: "",
        middle_f: "",
        family: "Al-Sayed|El-Sayed|Elsayed|Al Sayed=السيد; Hassan|Hasan=حسن; Hussein|Hussain=حسين; Ali=علي; Ahmed|Ahmad=أحمد; Mohamed|Mohammed=محمد; Ibrahim=إبراهيم; Abdallah|Abdullah=عبد الله; Mahmoud|Mahmud=محمود; Khalil|Khalel=خليل; Haddad|Hadad=حداد; Al-Masri|El-Masry|Elmasry=المصري; Al-Khatib|El-Khatib|Alkhatib=الخطيب; Al-Najjar|El-Naggar|Elnaggar=النجار; Saleh|Salih=صالح; Mansour|Mansur=منصور; Nasser|Nasir=ناصر; Youssef|Yousef|Yusuf=يوسف; Khoury|Khouri|Khuri=خوري; Darwish|Darwiche=درويش; Qureshi|Kureishi=قريشي; Al-Hashimi|El-Hachemi|Hashemi=الهاشمي; Aziz=عزيز; Bakr|Bakir=بكر; Suleiman|Soliman|Sulayman=سليمان; Othman|Osman|Uthman=عثمان; Benali|Ben Ali=بن علي; Bouazizi|Bouazzi=بوعزيزي; El Amrani|Amrani=العمراني; Belkacem|Belgacem=بلقاسم; Zidane|Zidan=زيدان; Hamdan=حمدان; Al-Rashid|Rashid|Al Rashid=الرشيد; Farouk|Faruq=فاروق; Kassem|Qasim|Kasem=قاسم; Abbas=عباس; Jaber|Jabir=جابر; Al-Tamimi|Tamimi=التميمي; Al-Shami|Shami=الشامي; Al-Obeidi|Obeidi|Al-Ubaidi=العبيدي",
        middle_rate: 0.3,
        tail_rate: 0.0,
        tail_prefix: "",
        tail_suffix: "",
        double_family_rate: 0.0,
        family_first: false,
    },
    Def {
        code: "tr",
        weight: 0.06,
        script: Script::Latin,
        countries: &["TR", "TR", "TR", "DE", "NL", "AT"],
        given_m: "Mehmet|Mehmed; Mustafa; Ahmet|Ahmed; Ali; Hüseyin|Huseyin|Hussein; Hasan|Hassan; İbrahim|Ibrahim; İsmail|Ismail; Osman; Yusuf; Murat; Ömer|Omer; Ramazan; Halil; Süleyman|Suleyman; Abdullah; Mahmut|Mahmud; Recep; Salih; Fatih; Kadir; Emre; Burak; Serkan; Hakan; Kemal; Cem; Onur; Volkan; Eren; Yiğit|Yigit; Çağlar|Caglar; Oğuz|Oguz; Gökhan|Gokhan; Barış|Baris",
        given_f: "Fatma; Ayşe|Ayse|Aische; Emine; Hatice; Zeynep; Elif; Meryem; Şerife|Serife; Zehra; Sultan; Hanife; Merve; Havva; Zeliha; Esra; Fadime; Özlem|Ozlem; Yasemin; Büşra|Busra; Derya; Gül|Gul; Leyla; Selin; Ebru; Sibel; Tuğba|Tugba; Nur; Çiğdem|Cigdem",
        middle_m: "",
        middle_f: "",
        family: "Yılmaz|Yilmaz|Jilmaz; Kaya; Demir; Şahin|Sahin; Çelik|Celik; Yıldız|Yildiz; Yıldırım|Yildirim; Öztürk|Ozturk|Oeztuerk; Aydın|Aydin; Özdemir|Ozdemir|Oezdemir; Arslan|Aslan; Doğan|Dogan; Kılıç|Kilic; Aslan; Çetin|Cetin; Kara; Koç|Koc; Kurt; Özkan|Ozkan; Şimşek|Simsek; Polat; Özcan|Ozcan; Korkmaz; Çakır|Cakir; Erdoğan|Erdogan; Yavuz; Can; Acar; Şen|Sen; Aktaş|Aktas; Güler|Guler; Yalçın|Yalcin; Güneş|Gunes; Bozkurt; Bulut; Keskin; Ünal|Unal; Turan; Gül|Gul; Özer|Ozer; Işık|Isik; Kaplan; Avcı|Avci; Sarı|Sari; Tekin; Taş|Tas; Köse|Kose; Yüksel|Yuksel; Ateş|Ates; Aksoy",
        middle_rate: 0.08,
        tail_rate: 0.3,
        tail_prefix: "Ak; Kara; Demir; Öz|Oz; Yıldız|Yildiz; Kocak|Koçak; Ay; Gök|Gok; Er; Tan",
        tail_suffix: "soy; han; türk|turk; oğlu|oglu; kaya; er; tekin; dağ|dag",
        double_family_rate: 0.0,
        family_first: false,
    },
    Def {
        code: "cn",
        weight: 0.05,
        script: Script::Han,
        countries: &["CN", "CN", "CN", "CN", "HK", "TW", "SG"],
        given_m: "Wei=伟; Qiang=强; Lei=磊; Jun=军; Yong=勇; Jie=杰; Tao=涛; Ming=明; Chao=超; Hui=辉; Gang=刚; Jian=健; Bin=斌; Hao=浩; Peng=鹏; Yu=宇; Xiaoming|Xiao Ming|Hsiao-ming=小明; Zhiwei|Zhi Wei|Chih-wei=志伟; Jianguo|Jian Guo|Chien-kuo=建国; Haoran|Hao Ran=浩然; Zihao|Zi Hao|Tzu-hao=子豪; Junjie|Jun Jie|Chun-chieh=俊杰; Yifan|Yi Fan=一凡; Wenbin|Wen Bin=文斌; Zhiqiang|Zhi Qiang|Chih-chiang=志强",
        given_f: "Fang=芳; Na=娜; Min=敏; Jing=静; Li=丽; Yan=艳; Juan=娟; Xia=霞; Ping=平; Hong=红; Ying=英; Hua=华; Mei=梅; Lan=兰; Xiaoyan|Xiao Yan|Hsiao-yen=晓燕; Yuqing|Yu Qing=雨晴; Xinyi|Xin Yi|Hsin-yi=欣怡; Shuang=爽; Lijuan|Li Juan=丽娟; Meiling|Mei Ling=美玲",
        middle_m: "",
        middle_f: "",
        family: "Wang|Wong=王; Li|Lee=李; Zhang|Chang|Cheung=张; Liu|Lau|Lew=刘; Chen|Chan|Tan=陈; Yang|Yeung=杨; Huang|Wong|Hwang=黄; Zhao|Chao|Chiu=赵; Wu|Ng|Woo=吴; Zhou|Chou|Chow=周; Xu|Hsu|Tsui=徐; Sun|Suen=孙; Ma|Mah=马; Zhu|Chu|Chu=朱; Hu|Woo=胡; Guo|Kuo|Kwok=郭; He|Ho|Hoh=何; Lin|Lam|Lim=林; Gao|Kao|Ko=高; Luo|Lo|Law=罗; Zheng|Cheng|Teh=郑; Liang|Leung=梁; Xie|Hsieh|Tse=谢; Song|Sung=宋; Tang|Tong=唐; Han|Hon=韩; Feng|Fung=冯; Deng|Teng|Tang=邓; Cao|Tsao|Tso=曹; Peng|Pang=彭; Zeng|Tseng|Tsang=曾; Xiao|Hsiao|Siu=肖; Tian|Tien=田; Dong|Tung=董; Pan|Poon=潘; Yuan|Yuen=袁; Cai|Tsai|Choi=蔡; Jiang|Chiang|Keung=蒋; Yu|Yue=余; Du|Tu|To=杜",
        middle_rate: 0.0,
        tail_rate: 0.0,
        tail_prefix: "",
        tail_suffix: "",
        double_family_rate: 0.0,
        family_first: true,
    },
    Def {
        code: "vn",
        weight: 0.03,
        script: Script::Latin,
        countries: &["VN", "VN", "VN", "DE", "FR", "US"],
        given_m: "Anh; Minh; Hùng|Hung; Dũng|Dung; Tuấn|Tuan; Nam; Hải|Hai; Long; Quang; Thành|Thanh; Phong; Hiếu|Hieu; Trung; Khánh|Khanh; Đức|Duc; Sơn|Son; Cường|Cuong; Thắng|Thang; Huy; Bảo|Bao",
        given_f: "Linh; Hương|Huong; Lan; Hoa; Mai; Thảo|Thao; Trang; Ngọc|Ngoc; Hà|Ha; Phương|Phuong; Thủy|Thuy|Thuỷ; Nhung; Yến|Yen; Hằng|Hang; Quỳnh|Quynh; Vy; Chi; Loan",
        middle_m: "Văn|Van; Hữu|Huu; Đức|Duc; Minh; Quốc|Quoc; Thanh; Xuân|Xuan",
        middle_f: "Thị|Thi; Ngọc|Ngoc; Thu; Kim; Bích|Bich; Thanh; Minh",
        family: "Nguyễn|Nguyen|Nguyên|Ng; Trần|Tran; Lê|Le; Phạm|Pham; Hoàng|Hoang|Huynh; Huỳnh|Huynh; Phan; Vũ|Vu|Võ; Võ|Vo; Đặng|Dang; Bùi|Bui; Đỗ|Do|Doan; Hồ|Ho; Ngô|Ngo; Dương|Duong; Lý|Ly",
        middle_rate: 0.85,
        tail_rate: 0.0,
        tail_prefix: "",
        tail_suffix: "",
        double_family_rate: 0.0,
        family_first: true,
    },
    Def {
        code: "ng",
        weight: 0.04,
        script: Script::Latin,
        countries: &["NG", "NG", "NG", "NG", "GB", "GH"],
        given_m: "Chinedu; Emeka; Oluwaseun|Seun; Babatunde|Tunde; Adebayo; Chukwuemeka; Ifeanyi; Olumide; Abubakar|Abu Bakr; Ibrahim; Musa; Yusuf|Yusuff; Uche; Obinna; Tochukwu; Segun|Olusegun; Kayode; Femi|Olufemi; Sani; Aliyu; Chidi; Nnamdi; Godwin; Emmanuel; Samuel; Daniel; Kelechi; Ikechukwu; Oladipo; Yakubu",
        given_f: "Ngozi; Chioma; Adaeze; Funmilayo|Funmi; Oluwakemi|Kemi; Blessing; Aisha|Aishat; Fatima|Fatimah; Amaka|Chiamaka; Nneka; Ifeoma; Yetunde; Folake; Bukola; Zainab; Hauwa; Precious; Grace; Chinonso; Temitope",
        middle_m: "",
        middle_f: "",
        family: "Okafor; Okonkwo; Adeyemi; Ogunleye; Eze; Nwosu; Ibrahim; Abubakar; Bello; Musa; Adewale; Okeke; Olawale; Chukwu; Obi; Mohammed|Muhammed; Yusuf|Yusuff; Okoro; Onyeka; Afolabi; Babatunde; Oyelaran; Nwachukwu; Oladipo; Adebayo; Ogbonna; Danjuma; Suleiman; Aliyu; Okoye; Balogun; Salami; Olatunji; Akinola; Oyewole; Uzor; Ikenna; Ndukwe; Anyanwu; Ekwueme",
        middle_rate: 0.4,
        tail_rate: 0.3,
        tail_prefix: "Ade; Ola; Olu; Ogun; Aki; Oye; Ako; Ayo; Chukwu; Nwa",
        tail_suffix: "bayo; wale; yemi; nola; tunde; dele; kunle; emeka; dike; oma",
        double_family_rate: 0.0,
        family_first: false,
    },
];

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn pools_are_sizeable_and_well_formed() {
        let mut given = 0;
        let mut family = 0;
        for c in cultures() {
            assert!(!c.given_m.is_empty() && !c.given_f.is_empty(), "{}", c.code);
            assert!(!c.family.is_empty(), "{}", c.code);
            given += c.given_m.entries.len() + c.given_f.entries.len();
            family += c.family.entries.len();
            for e in c.given_m.entries.iter().chain(&c.family.entries) {
                assert!(e.latin.iter().all(|f| !f.is_empty()), "{}: {e:?}", c.code);
                if c.script != Script::Latin {
                    assert!(
                        e.native.is_some(),
                        "{}: {} has no native form",
                        c.code,
                        e.primary()
                    );
                }
            }
        }
        assert!(given >= 300, "{given} given names");
        assert!(family >= 300, "{family} family names");
    }

    #[test]
    fn zipf_draw_favours_common_names() {
        let c = &cultures()[1];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut first = 0;
        let mut last = 0;
        let n = c.family.entries.len();
        for _ in 0..20_000 {
            let e = c.family.draw(&mut rng).expect("non-empty pool");
            if e.primary() == c.family.entries[0].primary() {
                first += 1;
            }
            if e.primary() == c.family.entries[n - 1].primary() {
                last += 1;
            }
        }
        assert!(first > 10 * last.max(1), "first {first}, last {last}");
    }

    #[test]
    fn slavic_feminine_forms() {
        let e = parse_entry("Kovalskyi|Kovalsky=Ковальський");
        let f = feminine(&e, "ua");
        assert_eq!(f.latin, ["Kovalska", "Kovalska"]);
        assert_eq!(f.native.as_deref(), Some("Ковальська"));
        let f = feminine(&parse_entry("Ivanov=Иванов"), "ru");
        assert_eq!(f.primary(), "Ivanova");
        assert_eq!(f.native.as_deref(), Some("Иванова"));
        assert_eq!(feminine(&parse_entry("Nowak"), "pl").primary(), "Nowak");
        assert_eq!(
            feminine(&parse_entry("Kowalski"), "pl").primary(),
            "Kowalska"
        );
    }
}
