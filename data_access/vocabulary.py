"""Controlled vocabularies of the store.

Every categorical column of the store takes its values from one of these
dictionaries (code -> French label). They are the single source of truth for:
- what the importers accept,
- what the sample generator produces,
- what the référentiel may filter or break down on,
- the French labels the pages and the bilans display.

Codes are short ASCII snake_case strings, stable across versions: never rename
a code, add a new one and migrate the data instead.
"""

from __future__ import annotations

# --- reference data -----------------------------------------------------------

TERRITORY_LEVEL = {
    "region": "Région",
    "departement": "Département",
    "cme": "Territoire de CME",
}

INSTITUTION_TYPE = {
    "etat": "État (DIRECCTE)",
    "assurance_maladie": "Assurance maladie (CARSAT, CPAM)",
    "msa": "Mutualité sociale agricole",
    "rsi": "Régime social des indépendants",
    "agefiph": "AGEFIPH",
    "pole_emploi": "Pôle emploi",
    "cap_emploi": "Cap emploi",
    "sameth": "SAMETH",
    "sst": "Service de santé au travail",
    "mdph": "MDPH",
    "partenaire_social_salarie": "Partenaire social (salariés)",
    "partenaire_social_employeur": "Partenaire social (employeurs)",
    "animation_territoriale": "Animation territoriale",
    "info_sante_emploi": "INFO SANTE EMPLOI",
    "autre": "Autre structure",
}

# Types of actors reached, interviewed or receiving tools (wider than the partners).
ACTOR_TYPE = {
    "medecin_travail": "Médecins du travail / SST",
    "medecin_traitant": "Médecins traitants",
    "service_social": "Services sociaux (CARSAT, MSA, RSI)",
    "sameth": "SAMETH",
    "cap_emploi": "Cap emploi",
    "pole_emploi": "Pôle emploi",
    "mdph": "MDPH",
    "employeur": "Employeurs / RH",
    "irp": "Représentants du personnel",
    "partenaire_social": "Partenaires sociaux",
    "inspection_travail": "Inspection du travail",
    "prevention_carsat": "Services prévention CARSAT / MSA",
    "association": "Associations",
    "autre": "Autres acteurs",
}

# --- Q1 governance -----------------------------------------------------------------

INSTANCE_KIND = {
    "cpr": "Comité de pilotage régional (CPR)",
    "cme": "Comité de maintien dans l'emploi (CME)",
    "groupe_travail": "Groupe de travail",
}

MEETING_KIND = {
    "pleniere": "Séance plénière",
    "restreinte": "Réunion restreinte / bureau",
    "groupe_travail": "Séance de groupe de travail",
    "seminaire": "Séminaire",
}

OUTPUT_TYPE = {
    "definition_partagee": "Définition partagée",
    "procedure": "Procédure / protocole",
    "document_cadrage": "Document de cadrage",
    "outil": "Outil",
    "note_orientation": "Note d'orientation",
    "compte_rendu": "Compte rendu diffusé",
}

INSTANCE_LINK_TYPE = {
    "circulation_information": "Circulation de l'information",
    "decision_partagee": "Partage des décisions",
    "apport_reciproque": "Apport réciproque",
    "complementarite": "Complémentarité repérée",
}

INSTANCE_LINK_MODALITY = {
    "compte_rendu": "Compte rendu diffusé",
    "representant": "Représentant siégeant dans l'autre instance",
    "bilan_annuel": "Bilan annuel présenté",
    "reunion_inter_cme": "Réunion inter-CME",
    "note_ecrite": "Note écrite",
}

COOPERATION_TYPE = {
    "rapprochement": "Rapprochement entre institutions",
    "passerelle": "Passerelle entre offres de service",
    "demarche_nouvelle": "Démarche nouvelle pour la fluidité des parcours",
    "partenariat_bilateral": "Partenariat bilatéral signé",
    "partenariat_multilateral": "Partenariat multilatéral signé",
}

COOPERATION_OBJECTIVE = {
    "fluidite_parcours": "Fluidité des parcours",
    "acces_offre": "Accès à l'offre de service",
    "detection_precoce": "Détection précoce",
    "prise_de_relais": "Prise de relais",
    "connaissance_mutuelle": "Connaissance mutuelle",
}

DATA_INITIATIVE_TYPE = {
    "convergence_indicateurs": "Convergence des indicateurs de suivi",
    "fiabilisation": "Fiabilisation des données",
    "partage_donnees": "Partage des données entre partenaires",
    "nouvel_indicateur": "Construction d'un nouvel indicateur",
}

# --- Q2 territorial work -------------------------------------------------------------

DIAGNOSTIC_KIND = {
    "etat_des_lieux_initial": "État des lieux initial",
    "actualisation": "Actualisation du diagnostic",
    "continu": "Diagnostic en continu",
}

DIAGNOSTIC_METHOD = {
    "entretiens": "Entretiens individuels",
    "questionnaire": "Questionnaire",
    "ateliers": "Ateliers collectifs",
    "analyse_donnees": "Analyse de données d'activité",
    "revue_documentaire": "Revue documentaire",
}

PRESENTATION_MODE = {
    "restitution_cme": "Restitution en CME",
    "seminaire": "Séminaire de mise en débat",
    "document_diffuse": "Document diffusé aux acteurs",
    "groupe_travail": "Mise en débat en groupe de travail",
}

FREIN_CATEGORY = {
    "connaissance_offre": "Méconnaissance de l'offre de service",
    "detection_tardive": "Détection tardive des situations",
    "coordination": "Coordination insuffisante entre acteurs",
    "prise_de_relais": "Ruptures dans les prises de relais",
    "information_publics": "Information insuffisante des publics",
    "qualification_situations": "Difficulté à qualifier les situations",
}

ACTION_TYPE = {
    "information": "Information / sensibilisation",
    "formation": "Formation des acteurs",
    "outil": "Création d'outil",
    "procedure": "Procédure / circuit",
    "cooperation": "Coopération entre acteurs",
    "communication": "Communication",
}

ACTION_STATUS = {
    "prevue": "Prévue",
    "en_cours": "En cours",
    "realisee": "Réalisée",
    "reportee": "Reportée",
    "abandonnee": "Abandonnée",
}

LOCAL_RESULT_TYPE = {
    "collaboration": "Nouvelle collaboration entre acteurs",
    "pratique": "Nouvelle pratique",
    "outil": "Outil proposé",
}

# --- Q3 INFO SANTE EMPLOI ------------------------------------------------------------

CALLER_CATEGORY = {
    "salarie": "Salarié du privé",
    "independant": "Travailleur indépendant",
    "exploitant_agricole": "Exploitant agricole",
    "entreprise": "Entreprise",
    "acteur_maintien": "Acteur du maintien",
    "proche": "Proche / entourage",
    "autre": "Autre appelant",
}

REGIME = {
    "general": "Régime général",
    "agricole": "Régime agricole (MSA)",
    "independants": "Régime des indépendants (RSI)",
    "autre": "Autre régime",
    "inconnu": "Non renseigné",
}

REFERRER = {
    "aucun": "Venu de lui-même",
    "medecin_travail": "Médecin du travail",
    "medecin_traitant": "Médecin traitant",
    "service_social": "Service social (CARSAT, MSA, RSI)",
    "sameth": "SAMETH",
    "cap_emploi": "Cap emploi",
    "pole_emploi": "Pôle emploi",
    "mdph": "MDPH",
    "animation_territoriale": "Animation territoriale",
    "employeur": "Employeur",
    "communication": "Support de communication",
}

QUESTION_TYPE = {
    "droits_arret": "Droits pendant l'arrêt de travail",
    "reprise_travail": "Reprise du travail / visite de pré-reprise",
    "amenagement_poste": "Aménagement de poste",
    "inaptitude": "Inaptitude / licenciement",
    "rqth": "Reconnaissance de travailleur handicapé",
    "reconversion": "Reconversion / formation",
    "invalidite": "Invalidité",
    "aides_financieres": "Aides financières",
    "orientation_acteur": "Quel acteur solliciter",
    "offre_service": "Contenu de l'offre d'un acteur",
}

ORIENTATION = {
    "medecin_travail": "Médecin du travail / SST",
    "service_social": "Service social (CARSAT, MSA, RSI)",
    "sameth": "SAMETH",
    "cap_emploi": "Cap emploi",
    "pole_emploi": "Pôle emploi",
    "mdph": "MDPH",
    "animation_territoriale": "Animation territoriale",
    "cep": "Conseil en évolution professionnelle",
    "information_seule": "Information seule, sans orientation",
    "solution_apportee": "Solution apportée directement",
}

COMPANY_SIZE = {
    "moins_11": "Moins de 11 salariés",
    "11_49": "11 à 49 salariés",
    "50_249": "50 à 249 salariés",
    "250_plus": "250 salariés et plus",
}

COMPANY_SECTOR = {
    "industrie": "Industrie",
    "construction": "Construction (BTP)",
    "commerce": "Commerce",
    "transport": "Transport et logistique",
    "sante_social": "Santé et action sociale",
    "services": "Services aux entreprises",
    "agriculture": "Agriculture",
    "hotellerie_restauration": "Hôtellerie-restauration",
}

CALLER_FUNCTION = {
    "dirigeant": "Dirigeant",
    "rh": "Ressources humaines",
    "encadrant": "Encadrement de proximité",
    "referent_handicap": "Référent handicap",
    "irp": "Représentant du personnel",
    "comptable": "Gestion / comptabilité",
}

COMPANY_REQUEST_TYPE = {
    "amenagement_poste": "Aménagement de poste",
    "aides_financieres": "Aides financières",
    "inaptitude_procedure": "Procédure d'inaptitude",
    "reclassement": "Reclassement",
    "obligation_emploi": "Obligation d'emploi des travailleurs handicapés",
    "interlocuteur": "Trouver le bon interlocuteur",
}

# --- Q4 animations territoriales ------------------------------------------------------

# Q4.C3.I1: "Nombre de CTME … ou autres outils mis en œuvre avec la même finalité"
CTME_FORMAT = {
    "ctme": "CTME",
    "autre_outil": "Autre outil de même finalité",
}

AT_TOOL_TYPE = {
    "annuaire": "Annuaire des acteurs",
    "guide": "Guide pratique",
    "logigramme": "Logigramme / arbre d'orientation",
    "fiche_offre": "Fiche offre de service",
    "procedure": "Procédure partagée",
    "support_formation": "Support de formation",
}

DIFFUSION_MODE = {
    "reunion": "Présentation en réunion",
    "courriel": "Envoi par courriel",
    "site_web": "Mise en ligne",
    "papier": "Diffusion papier",
    "formation": "Remise en formation",
}

AT_INITIATIVE_TYPE = {
    "solution": "Solution mise en œuvre avec l'appui de l'AT",
    "collaboration_post_ctme": "Collaboration prolongée au-delà de la CTME",
    "prise_de_relais": "Démarche de sécurisation / prise de relais",
    "connaissance_mutuelle": "Connaissance et reconnaissance mutuelle des acteurs",
    "collaboration_inter_structures": "Collaboration inter-structures",
}

NEED_DETECTION_METHOD = {
    "remontee_cme": "Remontée en CME",
    "enquete": "Enquête auprès des acteurs",
    "ctme": "Analyse des CTME",
    "entretiens": "Entretiens avec les acteurs",
    "appels_ise": "Analyse des appels INFO SANTE EMPLOI",
}

NEED_NATURE = {
    "offre_sameth": "Offre du SAMETH",
    "invalidite": "Invalidité et reprise",
    "inaptitude": "Procédure d'inaptitude",
    "aides_agefiph": "Aides de l'AGEFIPH",
    "reconversion": "Reconversion / formation",
    "regimes_specifiques": "Régimes agricole et des indépendants",
}

AT_REQUEST_TYPE = {
    "cas_cible": "Situation complexe bien ciblée",
    "information": "Demande d'information sur l'offre",
    "transfert": "Transfert de la prise en charge (à éviter)",
}

# --- Q5 communication ---------------------------------------------------------------

PLAN_SCOPE = {"regional": "Régional", "local": "Local (CME)"}

COMMUNICATION_CHANNEL = {
    "reunion": "Réunion d'information",
    "presse": "Presse / article",
    "courriel": "Courriel / lettre d'information",
    "site_web": "Site web / réseaux sociaux",
    "plaquette": "Plaquette / affiche",
    "evenement": "Salon / événement",
    "formation": "Session de formation",
    "webinaire": "Webinaire",
}

COMMUNICATION_PURPOSE = {
    "communication": "Communication",
    "information": "Information",
    "formation": "Formation",
}

COMMUNICATION_TOPIC = {
    "info_sante_emploi": "INFO SANTE EMPLOI",
    "offre_service": "Offres de service des acteurs",
    "politique_regionale": "Politique régionale concertée",
    "animation_territoriale": "Animations territoriales",
}

COMMUNICATION_TARGET = {
    "beneficiaires": "Bénéficiaires potentiels",
    "acteurs_relais": "Acteurs relais",
    "entreprises": "Entreprises",
    "interne": "Interne à la structure",
}

# --- surveys ---------------------------------------------------------------------------

RESPONDENT_TYPE = {
    "partenaire": "Partenaires membres des instances",
    "acteur_maintien": "Acteurs du maintien",
    "acteur_relais": "Acteurs relais",
    "tous": "Tous répondants",
}

# --- Q6 retention cases --------------------------------------------------------------

WORKER_STATUS = {
    "salarie": "Salarié du privé",
    "independant": "Travailleur indépendant",
    "exploitant_agricole": "Exploitant agricole",
}

SIGNALLED_BY = {
    "medecin_travail": "Médecin du travail",
    "employeur": "Employeur",
    "salarie": "La personne elle-même",
    "service_social": "Service social (CARSAT, MSA, RSI)",
    "info_sante_emploi": "INFO SANTE EMPLOI",
    "mdph": "MDPH",
    "cap_emploi": "Cap emploi",
    "autre": "Autre",
}

CASE_CAUSE = {
    "maladie": "Maladie non professionnelle",
    "aggravation_handicap": "Aggravation du handicap",
    "accident_travail": "Accident du travail",
    "maladie_professionnelle": "Maladie professionnelle",
    "autre": "Autre cause",
}

LEAD_ACTOR = {
    "sameth": "SAMETH",
    "service_social_carsat": "Service social CARSAT",
    "msa": "MSA",
    "rsi": "RSI",
    "sst": "Service de santé au travail",
    "cap_emploi": "Cap emploi",
}

CASE_OUTCOME = {
    "maintien_meme_poste": "Maintien au même poste",
    "maintien_poste_amenage": "Maintien sur poste aménagé",
    "reclassement_interne": "Reclassement interne",
    "reclassement_externe": "Reclassement externe",
    "reconversion": "Reconversion / nouvelle activité",
    "licenciement_inaptitude": "Licenciement pour inaptitude",
    "invalidite": "Passage en invalidité",
    "cessation_activite": "Cessation d'activité pour raison de santé",
    "sans_solution": "Sans solution",
    "en_cours": "En cours",
}
# Outcome groups used by Q6 indicators.
OUTCOMES_RETENTION_DANS = ("maintien_meme_poste", "maintien_poste_amenage", "reclassement_interne")
OUTCOMES_RETENTION_EN = ("reclassement_externe", "reconversion")
OUTCOMES_FAILURE = ("licenciement_inaptitude", "invalidite", "cessation_activite", "sans_solution")

RELAY_TO = {
    "aucun": "Pas de prise de relais",
    "cap_emploi": "Cap emploi",
    "pole_emploi": "Pôle emploi",
    "cep": "Conseil en évolution professionnelle",
}

MEASURE = {
    "essai_encadre": "Essai encadré",
    "crpe": "Convention de rééducation professionnelle (CRPE)",
    "aide_agefiph": "Aide AGEFIPH au maintien",
    "etude_ergonomique": "Étude ergonomique",
    "prestation_orientation": "Prestation d'orientation",
    "visite_pre_reprise": "Visite de pré-reprise",
    "temps_partiel_therapeutique": "Temps partiel thérapeutique",
    "formation": "Formation",
}

INDICATOR_SOURCE = {
    "agefiph": "AGEFIPH (activité SAMETH)",
    "carsat": "CARSAT (service social)",
    "msa": "MSA",
    "rsi": "RSI / SSI",
    "direccte": "DIRECCTE",
    "cnam": "Assurance maladie (CNAM)",
    "tbn": "Tableau de bord national du maintien dans l'emploi",
}

DATASET = {
    "ise_call": "Appels INFO SANTE EMPLOI",
    "retention_case": "Situations de maintien",
    "indicator_value": "Valeurs annuelles d'indicateurs",
    "actor_caseload": "Prises en charge des acteurs",
    "survey_result": "Résultats d'enquêtes",
    "ctme_session": "Séances de CTME et autres outils de même finalité",
    "at_yearly_activity": "Activité annuelle des animations territoriales",
    "communication_action": "Actions de communication",
    "meeting": "Réunions des instances",
}

OBJECTIVE_RULE = {
    "chaque_annee": "Chaque année",
    "echeance": "À l'échéance (dernière année)",
}

COMPARATOR = {
    "ge": "Au moins (≥)",
    "le": "Au plus (≤)",
    "eq": "Égal à (=)",
}

DECISION_KIND = {
    "decision": "Décision",
    "axe": "Axe d'amélioration",
}

DECISION_STATUS = {
    "ouverte": "Ouverte",
    "en_cours": "En cours",
    "close": "Close",
    "abandonnee": "Abandonnée",
}

USER_ROLE = {
    "lecteur": "Lecteur",
    "animateur": "Animateur territorial",
    "administrateur": "Administrateur",
}

JOURNAL_ACTION = {
    "import": "Import de fichier",
    "saisie": "Saisie",
    "modification": "Modification",
    "suppression": "Suppression",
    "commentaire": "Commentaire",
    "deverrouillage": "Déverrouillage d'un compte",
    "identite": "Identité OpenID Connect d'un compte",
}

JOURNAL_OUTCOME = {
    "applique": "Appliqué",
    "sans_changement": "Aucun changement",
    "rejete": "Rejeté",
    "echec": "Échec (erreur inattendue)",
}

# Every vocabulary, by the name the référentiel and the importers use.
VOCABULARIES: dict[str, dict[str, str]] = {
    name.lower(): value
    for name, value in dict(globals()).items()
    if name.isupper() and isinstance(value, dict)
}


def label(vocabulary: str, code: str | None) -> str:
    """French label of a code, the code itself when unknown, "Non renseigné" for None."""
    if code is None:
        return "Non renseigné"
    return VOCABULARIES.get(vocabulary, {}).get(code, code)
