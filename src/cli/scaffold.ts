/**
 * `lettre new <slug>`: a new issue with every section type written out as comments, ready
 * to uncomment. It starts as a draft so it is never published or sent by accident.
 */
export function scaffoldIssue(today: string): string {
  return `---
title: "Titre de la lettre"
date: ${today}
# number: 13
preheader: "Une phrase qui donne envie d'ouvrir la lettre (150 caractères au plus)."
# tags: [événements, Europe]
# image: { src: images/couverture.jpg, alt: "Ce que montre l'image" }
draft: true   # enlevez cette ligne pour publier la lettre
sections:
  ## Enlevez les « # » devant une section pour l'utiliser ; gardez l'indentation.
  ## Un événement passé ou à venir.
  # - type: event
  #   title: "Assises nationales de l'IA"
  #   date: ${today}
  #   end: ${today}            # facultatif, dernier jour
  #   time: "9 h 30 – 17 h"       # facultatif
  #   location: Université de Caen
  #   organizer: Ouest-France
  #   attendees: 600
  #   url: https://exemple.fr/assises
  #   body: |
  #     Texte en **Markdown** : listes, liens, tableaux.

  ## Un datathon : thème, dates, équipes, lauréat.
  # - type: datathon
  #   title: Datathon Normandie
  #   edition: 3
  #   theme: Données de l'emploi et de la formation
  #   start: ${today}
  #   end: ${today}
  #   teams: 6
  #   winner:
  #     name: Compétences à la carte
  #     body: Une cartographie interactive des compétences.
  #   body: |
  #     Pendant un mois, six équipes ont conçu des prototypes.

  ## Un projet européen.
  # - type: eu-project
  #   name: BOOST AI
  #   programme: Interreg Europe du Nord-Ouest
  #   partners: 12                 # un nombre, ou une liste de noms
  #   countries: 6                 # un nombre, ou une liste de pays
  #   duration: 3 ans
  #   role: Partenaire
  #   url: https://exemple.eu/boost-ai
  #   body: Promouvoir l'usage d'outils d'IA dans les entreprises.

  ## Un agenda : ce qui vient (date au jour AAAA-MM-JJ ou au mois AAAA-MM).
  # - type: agenda
  #   title: À venir
  #   items:
  #     - date: 2026-01
  #       title: Cycle de webinaires IA & Data
  #     - date: 2026-02-12
  #       title: Exposition Destination IA
  #       location: ATRIUM, Rouen

  ## Un article libre, avec une image facultative.
  # - type: article
  #   title: Un projet accompagné
  #   image: { src: images/projet.jpg, alt: "L'équipe du projet" }
  #   url: https://exemple.fr/projet
  #   body: |
  #     Texte en **Markdown**.
---
Introduction de la lettre, en **Markdown**.
`;
}
