"""Word lists the synthetic Atlas pages are drawn from (fictitious people, real place names)."""

from __future__ import annotations

from typing import NamedTuple


class Country(NamedTuple):
    """A partner country as the Atlas writes it, with what a page about it needs."""

    name: str  # as in the "Pays" column of the foreign partners table
    of: str  # "du Maroc", "de la Tunisie": the form prose needs
    capital: str  # seat of the French embassy
    cities: tuple[str, ...]
    people: tuple[tuple[str, str], ...]  # (Nom, Prénom) of fictitious local contacts


COUNTRIES: tuple[Country, ...] = (
    Country(
        "Maroc",
        "du Maroc",
        "Rabat",
        ("Rabat", "Salé", "Fès", "Agadir", "Oujda", "Tétouan", "Chefchaouen"),
        (("BOUCHAM", "Sabah"), ("Zahrour", "Mostapha"), ("EL IDRISSI", "Karima")),
    ),
    Country(
        "Sénégal",
        "du Sénégal",
        "Dakar",
        ("Dakar", "Saint-Louis", "Ziguinchor", "Thiès", "Podor", "Rufisque"),
        (("DIOP", "Awa"), ("NDIAYE", "Mamadou"), ("SECK", "Fatou")),
    ),
    Country(
        "Burkina Faso",
        "du Burkina Faso",
        "Ouagadougou",
        ("Ouagadougou", "Bobo-Dioulasso", "Koudougou", "Kaya", "Ouahigouya"),
        (("OUÉDRAOGO", "Issa"), ("SAWADOGO", "Aminata"), ("KABORÉ", "Jean-Baptiste")),
    ),
    Country(
        "Tunisie",
        "de la Tunisie",
        "Tunis",
        ("Tunis", "Sfax", "Sousse", "Kairouan", "Monastir", "Bizerte"),
        (("BEN SALEM", "Karim"), ("TRABELSI", "Leïla"), ("GHARBI", "Mohamed Ali")),
    ),
    Country(
        "Madagascar",
        "de Madagascar",
        "Antananarivo",
        ("Antananarivo", "Mahajanga", "Fianarantsoa", "Toamasina", "Antsirabe"),
        (("RAKOTOMALALA", "Hery"), ("RANDRIANARISOA", "Voahangy")),
    ),
    Country(
        "Liban",
        "du Liban",
        "Beyrouth",
        ("Beyrouth", "Tripoli", "Saïda", "Zahlé", "Byblos", "Tyr"),
        (("KHOURY", "Rania"), ("HADDAD", "Georges"), ("SAAB", "Nadine")),
    ),
    Country(
        "Viêt Nam",
        "du Viêt Nam",
        "Hanoï",
        ("Hanoï", "Hué", "Da Nang", "Hô Chi Minh-Ville", "Cân Tho", "Hai Phong"),
        (("NGUYEN", "Thi Lan"), ("TRAN", "Van Minh"), ("PHAM", "Thu Huong")),
    ),
    Country(
        "Haïti",
        "d’Haïti",
        "Port-au-Prince",
        ("Port-au-Prince", "Jacmel", "Cap-Haïtien", "Les Cayes", "Jérémie"),
        (("JEAN-BAPTISTE", "Marie"), ("PIERRE-LOUIS", "Wilner"), ("DORSAINVIL", "Nadège")),
    ),
    Country(
        "Bénin",
        "du Bénin",
        "Cotonou",
        ("Cotonou", "Porto-Novo", "Abomey", "Parakou", "Ouidah"),
        (("HOUNGBÉDJI", "Rosine"), ("AGBO", "Sévérin"), ("DOSSOU", "Clarisse")),
    ),
    Country(
        "Cameroun",
        "du Cameroun",
        "Yaoundé",
        ("Yaoundé", "Douala", "Bafoussam", "Dschang", "Garoua"),
        (("MBARGA", "Paul"), ("NGO BIYONG", "Hortense"), ("FOTSO", "Emmanuel")),
    ),
    Country(
        "Mali",
        "du Mali",
        "Bamako",
        ("Bamako", "Kayes", "Ségou", "Mopti", "Sikasso"),
        (("TRAORÉ", "Mariam"), ("KEÏTA", "Boubacar"), ("COULIBALY", "Salif")),
    ),
    Country(
        "Arménie",
        "de l’Arménie",
        "Erevan",
        ("Erevan", "Gumri", "Vanadzor", "Dilijan"),
        (("HAKOBYAN", "Armen"), ("PETROSSIAN", "Anahit")),
    ),
    Country(
        "Pologne",
        "de la Pologne",
        "Varsovie",
        ("Cracovie", "Gdańsk", "Poznań", "Lublin", "Wrocław"),
        (("KOWALSKA", "Anna"), ("NOWAK", "Piotr")),
    ),
    Country(
        "Roumanie",
        "de la Roumanie",
        "Bucarest",
        ("Cluj-Napoca", "Iași", "Timișoara", "Brașov", "Sibiu"),
        (("POPESCU", "Ioana"), ("IONESCU", "Andrei")),
    ),
    Country(
        "Canada",
        "du Canada",
        "Ottawa",
        ("Québec", "Montréal", "Sherbrooke", "Trois-Rivières", "Gatineau"),
        (("TREMBLAY", "Julie"), ("GAGNON", "Marc-André")),
    ),
    Country(
        "République démocratique du Congo",
        "de la République démocratique du Congo",
        "Kinshasa",
        ("Kinshasa", "Lubumbashi", "Bukavu", "Kisangani", "Matadi"),
        (("MUKENDI", "Jean-Pierre"), ("KABANGA", "Thérèse"), ("ILUNGA", "Patrick")),
    ),
    Country(
        "Côte d'Ivoire",
        "de la Côte d'Ivoire",
        "Abidjan",
        ("Abidjan", "Bouaké", "Yamoussoukro", "Korhogo", "Grand-Bassam"),
        (("KOUASSI", "Aya"), ("KONAN", "Yao"), ("BAMBA", "Fatoumata")),
    ),
)

# "Municipalité de Rabat" and "Rabat" must be recognised as one authority; half the partners carry
# one of these prefixes, which the maître d'ouvrage line sometimes leaves out.
PARTNER_PREFIXES: tuple[str, ...] = (
    "Municipalité de ",
    "Commune de ",
    "Ville de ",
    "Commune urbaine de ",
    "Région de ",
)

# (name in the French partners table, another spelling of the same authority or "").
FRENCH_PARTNERS: tuple[tuple[str, str], ...] = (
    ("Mantes la Jolie", "Mantes-la-Jolie"),
    ("Woippy", "Ville de Woippy"),
    ("Région Bretagne", ""),
    ("Département de la Gironde", ""),
    ("Saint-Étienne", "Saint Etienne"),
    ("Villeneuve-d'Ascq", "Villeneuve d’Ascq"),
    ("Lille", "Ville de Lille"),
    ("Région Nouvelle-Aquitaine", ""),
    ("Département de la Seine-Saint-Denis", ""),
    ("Grenoble", "Ville de Grenoble"),
    ("Chambéry", ""),
    ("Montreuil", "Ville de Montreuil"),
    ("Métropole de Lyon", ""),
    ("Cergy", ""),
    ("Département de l'Isère", ""),
    ("Région Île-de-France", ""),
    ("Aubagne", ""),
    ("Communauté d'agglomération du Grand Besançon", ""),
)

EMBASSY_POSTS: tuple[str, ...] = (
    "Correspondant coopération décentralisée",
    "Conseiller de coopération et d'action culturelle",
    "Conseiller adjoint de coopération et d'action culturelle",
    "Attaché de coopération",
    "Chargée de mission coopération décentralisée",
    "Attachée de coopération pour le développement local",
)

FIRST_NAMES: tuple[str, ...] = (
    "Frédérick",
    "Bertrand",
    "Claire",
    "Hélène",
    "Jérôme",
    "Anne-Sophie",
    "Loïc",
    "Émilie",
    "François",
    "Céline",
    "Thierry",
    "Agnès",
    "Mathieu",
    "Nathalie",
    "Benoît",
    "Sandrine",
    "Camille",
    "Yannick",
)

LAST_NAMES: tuple[str, ...] = (
    "BOUIN",
    "COMMELIN",
    "MARTIN",
    "LEFÈVRE",
    "DUPONT",
    "GARNIER",
    "ROUSSEAU",
    "MOREAU",
    "FAURE",
    "CHEVALIER",
    "LE GOFF",
    "DA SILVA",
    "PERRIN",
    "BLANCHARD",
    "N'GUESSAN",
    "LAMBERT",
)

FOREIGN_FUNCTIONS: tuple[str, ...] = (
    "Vice Présidente en charge de l'action sociale",
    "Directeur des services techniques",
    "Chargé des relations extérieures",
    "Secrétaire général",
    "Responsable de la coopération internationale",
    "Maire",
    "Adjointe au maire chargée de la culture",
)

MAIL_DOMAINS: tuple[str, ...] = ("gmail.com", "yahoo.fr", "hotmail.com", "outlook.fr")

# Theme -> sub-theme -> sub-sub-themes (often none, as on the real pages).
THEMES: dict[str, dict[str, tuple[str, ...]]] = {
    "Politique, humanitaire et coopération transfrontalière": {
        "Gouvernance locale et appui institutionnel": (
            "Appui à la décentralisation",
            "Formation des élus et des agents territoriaux",
            "État civil",
        ),
        "Coopération transfrontalière": (),
        "Aide humanitaire et reconstruction": ("Gestion des risques et des crises",),
    },
    "Economie durable": {
        "Aménagement du territoire et transports": (
            "Urbanisme et planification",
            "Mobilité urbaine",
        ),
        "Développement économique local": ("Artisanat", "Tourisme durable"),
        "Agriculture et sécurité alimentaire": ("Filières agricoles", "Pêche"),
    },
    "Environnement, climat et énergie": {
        "Eau et assainissement": ("Accès à l'eau potable", "Assainissement"),
        "Gestion des déchets": (),
        "Énergie": ("Énergies renouvelables", "Efficacité énergétique"),
    },
    "Santé et action sociale": {
        "Action sociale": ("Enfance et jeunesse", "Personnes âgées", "Insertion"),
        "Santé": ("Santé maternelle et infantile", "Accès aux soins"),
    },
    "Culture, éducation et jeunesse": {
        "Culture et patrimoine": ("Patrimoine bâti", "Lecture publique"),
        "Éducation et formation": ("Formation professionnelle",),
        "Jeunesse et sport": (),
    },
}

# The only form the reference pages show; the others are plausible but unconfirmed, so they stay
# rare (a converter reports an unknown form as a warning, which would swamp a benchmark's log).
FORMS: tuple[str, ...] = ("Projet de coopération décentralisée",) * 18 + (
    "Jumelage",
    "Convention de coopération",
)

STATE_FUNDER = "Ministère de l'Europe et des Affaires étrangères"
FOREIGN_FUNDER = "Collectivités et partenaires étrangers"  # a category, not an organisation
WATER_AGENCIES: tuple[str, ...] = (
    "Agence de l'eau Seine-Normandie",
    "Agence de l'eau Seine-Normandie",
    "Agence de l'eau Rhône Méditerranée Corse",
    "Agence de l'eau Adour-Garonne",
)

# Theme -> the phrase prose and titles use after "en matière" ("de gouvernance locale").
DOMAINS: dict[str, str] = {
    "Politique, humanitaire et coopération transfrontalière": "de gouvernance locale",
    "Economie durable": "de développement économique local",
    "Environnement, climat et énergie": "d’eau et d’environnement",
    "Santé et action sociale": "d’action sociale",
    "Culture, éducation et jeunesse": "de culture et de jeunesse",
}

TITLE_ACTIONS: tuple[str, ...] = (
    "Accompagnement à la structuration d’un dispositif",
    "Assistance à la maîtrise d'ouvrage en matière",
    "Appui au renforcement des capacités des services municipaux en matière",
    "Mise en place d’un service municipal",
    "Programme d’échanges et de formation en matière",
)

VOLUNTEER_MISSIONS: tuple[str, ...] = (
    "Appui à la structuration du service social",
    "Animation du réseau des associations de quartier",
    "Suivi du programme d'accès à l'eau potable",
    "Coordination des échanges de jeunes",
)
