"""French-looking prose for the free-text fields of synthetic Atlas pages."""

from __future__ import annotations

import random
from collections.abc import Mapping

# Each field draws from its own sentences so that Contexte reads unlike Historique; {slots} are
# filled per page. Typographic apostrophes, « » quotes, – and … occur as on the real pages.
CONTEXT: tuple[str, ...] = (
    "Les communes doivent établir un plan d’action communal comportant un diagnostic des besoins "
    "et des potentialités du territoire, une identification de leurs priorités et une évaluation "
    "de leurs ressources et dépenses prévisionnelles.",
    "La commune de {etr} ne dispose toujours pas d’un cadre de référence en matière {de_dom}, ce "
    "qui perturbe l’organisation des différentes actions menées sur son territoire.",
    "L’accroissement démographique couplé à un fort taux de chômage fait naître de nouvelles "
    "formes de pauvreté particulièrement visibles à {etr}, qui regroupe une population "
    "d’environ {pop} habitants.",
    "Depuis la réforme de {y0}, les collectivités locales {of} se voient confier de nouvelles "
    "compétences, sans toujours disposer des moyens humains et techniques pour les exercer.",
    "Les services municipaux de {etr} souhaitent se doter d’outils de planification partagés afin "
    "d’améliorer la lisibilité de l’action publique auprès des habitants.",
    "Face à ces constats, la municipalité affiche depuis quelques années une véritable volonté de "
    "réformer son approche en matière {de_dom}, en mettant l’accent sur le diagnostic, la mise en "
    "œuvre, la coordination et l’évaluation des projets.",
    "Les quartiers périphériques concentrent l’essentiel des besoins : équipements insuffisants, "
    "services de proximité dispersés et faible coordination entre les acteurs.",
    "Les associations de quartier jouent un rôle essentiel mais agissent souvent de manière "
    "isolée, empêchant une lisibilité d’ensemble de l’action menée.",
    "Le projet s’inscrit dans la stratégie nationale {of} en matière {de_dom} et dans les "
    "orientations du plan communal de développement adopté en {y0}.",
    "{fr}, forte d’une longue expérience dans ce domaine, apparaît comme un partenaire solide "
    "pour accompagner cette évolution.",
    "Les élus de {etr} ont exprimé le souhait de s’appuyer sur l’expertise de leurs homologues "
    "français pour « faire mieux avec les moyens existants ».",
    "Aussi, face au succès du premier projet, les deux partenaires ont à cœur de continuer sur "
    "leur lancée, de perfectionner les acquis et d’impulser un nouveau souffle.",
    "Les centres sociaux ne peuvent se référer à un cadre global posé par la commune ; chacun "
    "évolue de manière autonome, empêchant une lisibilité de l’action publique auprès des "
    "bénéficiaires.",
    "Les arrondissements mènent, en accord avec le conseil communal, des actions de nature à "
    "promouvoir le sport, la culture et les programmes destinés à l’enfance et aux personnes en "
    "difficulté.",
    "Le territoire de {etr} souffre d’un déficit d’équipements de base, en particulier dans les "
    "quartiers d’habitat spontané apparus depuis {y0}.",
)

HISTORY: tuple[str, ...] = (
    "{fr} est engagée depuis plusieurs années dans des projets de coopération "
    "décentralisée avec notamment un objectif de renforcement des capacités de gestion des "
    "collectivités locales {of}.",
    "Une première convention a été signée entre {fr} et {etr} en {y0}, à la suite d’une mission "
    "exploratoire conduite par les deux municipalités.",
    "Ainsi le partenariat avec {etr}, engagé depuis plus de {k} ans, est le fruit d’un travail de "
    "concertation et d’échanges sur la mise en œuvre d’une politique intégrée en matière {de_dom}.",
    "Une délégation d’élus et de techniciens de {etr} s’est rendue à {fr} en {y1}, de même que "
    "des élus et fonctionnaires de {fr} se sont rendus à {etr} à plusieurs reprises.",
    "Un séminaire de capitalisation organisé le {day} {month} {y1} a permis de faire la "
    "rétrospective des actions développées, d’en souligner les succès et de détecter les points "
    "restant à améliorer.",
    "Le programme s’inscrit dans la thématique « Services publics locaux – renforcement des "
    "capacités et ressources humaines » retenue par les deux partenaires.",
    "Entre-temps, la nouvelle organisation territoriale {of} a conduit à élargir le partenariat à "
    "l’ensemble du territoire de {etr}.",
    "Des stagiaires de {etr} sont venus passer plusieurs semaines dans les services municipaux de "
    "{fr} en {y1} ; des échanges de jeunes ont également eu lieu sur place.",
    "Le résultat de ces démarches a abouti à la finalisation du dossier de coopération dont nous "
    "proposons ici les premiers volets, destinés à être poursuivis dans les prochains programmes "
    "({y1}–{y2}).",
    "C’est en {y0} qu’il a été convenu de formaliser un projet d’accompagnement en matière "
    "{de_dom}, soumis aux instances de tutelle, ministères, autorités locales…",
    "Les deux collectivités ont d’abord noué des liens culturels et associatifs, portés par la "
    "diaspora installée à {fr} depuis les années 1970.",
    "Plusieurs missions techniques ont permis de préciser les besoins, d’identifier les "
    "interlocuteurs et d’arrêter un calendrier commun.",
    "Le comité de pilotage conjoint se réunit deux fois par an, alternativement à {etr} et à "
    "{fr}, pour suivre l’avancement des actions.",
)

OBJECTIVES: tuple[str, ...] = (
    "Le projet s’inscrit dans une vision à long terme puisqu’il agit sur des éléments structurels "
    "de la politique locale en matière {de_dom}.",
    "L’objectif à terme est de doter les services de {etr} d’un dispositif structuré et "
    "opérationnel, afin de dupliquer ces actions dans les autres arrondissements.",
    "Accroissement de la compétence individuelle et collective, mise en conformité avec la "
    "législation et « les bonnes pratiques ».",
    "Renforcer la reconnaissance et la crédibilité des élus quant à leur capacité à apporter des "
    "solutions concrètes aux besoins des populations.",
    "Pour {fr}, avec plus de {pop} habitants, ce projet est un moyen de capitaliser "
    "savoirs et expériences et de les réinvestir pour le développement de son territoire.",
    "Sensibiliser les habitants de {fr} aux enjeux de la solidarité internationale et valoriser "
    "les liens avec les pays d’origine de ses habitants.",
    "Insuffisance, morcellement et manque de fiabilité des données relatives au champ de "
    "l’action publique locale.",
    "Harmonisation méthodologique : approches multidimensionnelles et mutualisation des "
    "expériences. Consolidation de la dynamique d’échanges.",
    "Mettre en place un service municipal structuré afin de mieux déployer l’action de proximité "
    "dans les quartiers prioritaires de {etr}.",
    "Professionnaliser les ressources humaines et harmoniser les procédures entre les différents "
    "services concernés.",
    "Centraliser les données, mieux coordonner les acteurs du territoire et rendre compte aux "
    "habitants de l’action engagée.",
)

OBJECTIVE_HEADINGS: tuple[str, ...] = (
    "Objectifs locaux :",
    "Objectifs en France :",
    "Résultats attendus :",
    "Problème à résoudre, constats :",
    "Objectifs, champ d’action",
)

DESCRIPTION: tuple[str, ...] = (
    "Les {k} arrondissements pilotes ont besoin de se structurer pour proposer des actions de "
    "proximité à impulser dans les différents centres de leur territoire.",
    "Cette structuration permettra aux services de porter des actions transversales en synergie "
    "avec les décisions politiques de la commune de {etr}.",
    "Le projet pilote propose d’agir très en amont par un diagnostic de terrain fiable et "
    "méthodologiquement homogène ({y1}), suivi de dispositifs de formation intégrée.",
    "À terme, la création d’un « Observatoire de {etr} » permettra de capitaliser et d’actualiser "
    "les données collectées tout au long du processus d’accompagnement.",
    "Des missions d’experts de {fr} seront organisées chaque année, complétées par l’accueil de "
    "techniciens de {etr} en France.",
    "Cette démarche de transparence, de capitalisation, de ressources et d’ouverture fait partie "
    "intégrante du dispositif.",
    "{k} arrondissements pilotes : diffusion plus large à tous les arrondissements de la commune "
    "sur le long terme",
    "Ce projet est en outre conforme à l’esprit et à la lettre de la charte des communes pour ce "
    "qui est de ses prérogatives en matière {de_dom}.",
    "Chaque année, un plan d’action est validé par le comité de pilotage, puis décliné en "
    "fiches-actions assorties d’indicateurs de suivi.",
    "Les formations, assurées par des agents de {fr}, portent sur la conduite de projet, "
    "l’accueil du public et la gestion budgétaire.",
    "Un dispositif d’évaluation participative associe les habitants, les associations et les "
    "services techniques de {etr}.",
)

DESCRIPTION_HEADINGS: tuple[str, ...] = ("L’aspect innovant du projet", "Phase 1 ({y1}) :")

BULLET_INTRO = (
    "Les principaux leviers d’action concernent l’ensemble des moyens mobilisables autour de "
    "problématiques telles que :"
)
BULLETS: tuple[str, ...] = (
    "Le diagnostic fiable de l’ensemble des composantes du territoire, aux fins d’accroissement "
    "de l’efficacité des moyens à mobiliser,",
    "La formation initiale et continue de tous les acteurs impliqués, centrée sur l’acquisition "
    "de compétences pratiques,",
    "La communication bilatérale et municipale, tant à {etr} qu’auprès des habitants de {fr},",
    "La reprise, la création, l’extension territoriale d’espaces de concertation,",
    "La capitalisation, la mutualisation des savoirs et savoir-faire, des échanges de pratiques,",
    "L’amplification de la lutte contre l’exclusion,",
    "La pérennisation de la maîtrise d’ouvrage de la collectivité de {etr}.",
)
BULLET = "\uf0a7 "  # Word's private-use bullet, as pasted into the Atlas form

BENEFICIARIES: tuple[str, ...] = (
    "Les bénéficiaires directs du projet",
    "Les agents des services municipaux de {etr} et les élus locaux : meilleure visibilité auprès "
    "de la population et clarification des rôles. Les habitants de {etr} bénéficieront d'une "
    "prise en charge plus structurée et adaptée à leurs besoins.",
    "Les habitants des quartiers de {etr}, les associations locales et les agents de {fr} "
    "effectuant les formations, qui pourront s’enrichir mutuellement des pratiques de l’autre "
    "partie",
)

MONTHS: tuple[str, ...] = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


class _Deck:
    """Sentences dealt without replacement (reshuffled when spent), so a field rarely repeats."""

    def __init__(self, rng: random.Random, pool: tuple[str, ...]) -> None:
        self._rng = rng
        self._pool = pool
        self._cards: list[str] = []

    def deal(self) -> str:
        """The next sentence."""
        if not self._cards:
            self._cards = self._rng.sample(self._pool, len(self._pool))
        return self._cards.pop()


def _line(rng: random.Random, deck: _Deck, slots: Mapping[str, str], most: int) -> str:
    """One paragraph line of 1..most sentences, with the real pages' small irregularities."""
    text = " ".join(deck.deal() for _ in range(rng.randint(1, most))).format_map(slots)
    roll = rng.random()
    if roll < 0.1:
        # Rabat's description starts lines in lower case ("les 2 arrondissements…").
        text = text[0].lower() + text[1:]
    elif roll < 0.25:
        # Both apostrophes occur, sometimes within one page.
        text = text.replace("’", "'")
    return text


def field_text(
    rng: random.Random, kind: str, slots: Mapping[str, str], blocks: tuple[int, int]
) -> str:
    """The value of one free-text field: blocks of lines, sometimes blank-line separated."""
    pool = {"context": CONTEXT, "history": HISTORY, "objectives": OBJECTIVES}.get(kind, DESCRIPTION)
    deck = _Deck(rng, pool)
    bullets_done = False
    out: list[list[str]] = []
    for _ in range(rng.randint(*blocks)):
        block: list[str] = []
        roll = rng.random()
        if kind == "context" and roll < 0.3 and not bullets_done:
            # Salé's Contexte: an intro line then lines starting with U+F0A7 and a space.
            bullets_done = True
            picks = rng.sample(BULLETS, rng.randint(2, len(BULLETS)))
            out.append([BULLET_INTRO, *(BULLET + b.format_map(slots) for b in picks)])
            continue
        if kind == "objectives" and roll < 0.4:
            block.append(rng.choice(OBJECTIVE_HEADINGS))
        elif kind == "description" and roll < 0.15:
            block.append(rng.choice(DESCRIPTION_HEADINGS).format_map(slots))
        block.append(_line(rng, deck, slots, 3))
        out.append(block)
    # Rabat's Historique and Objectif separate paragraphs by blank lines, Contexte does not.
    separator = "\n\n" if rng.random() < 0.4 else "\n"
    return separator.join("\n".join(block) for block in out)


def beneficiaries(rng: random.Random, slots: Mapping[str, str]) -> str:
    """The one-line Bénéficiaire(s) value."""
    return rng.choice(BENEFICIARIES).format_map(slots)
