"""The demo catalogue: well-known titles with their release years and a line about each."""

GAMES = [
    (
        "The Legend of Zelda: Breath of the Wild",
        2017,
        "Link wakes after a hundred years and crosses a ruined, wide-open Hyrule to face Calamity Ganon, climbing anything he can see.",
    ),
    (
        "The Witcher 3: Wild Hunt",
        2015,
        "Geralt of Rivia searches war-torn kingdoms for his adopted daughter while the spectral Wild Hunt closes in.",
    ),
    (
        "Red Dead Redemption 2",
        2018,
        "Arthur Morgan rides with the Van der Linde gang as the outlaw era of the American West comes to an end.",
    ),
    (
        "Half-Life 2",
        2004,
        "Gordon Freeman returns to a City 17 occupied by the Combine and joins the resistance, crowbar and gravity gun in hand.",
    ),
    (
        "Portal 2",
        2011,
        "A test subject and a portal gun against GLaDOS and Wheatley in the crumbling halls of Aperture Science.",
    ),
    (
        "Elden Ring",
        2022,
        "A Tarnished explores the Lands Between to claim the shattered Elden Ring, in FromSoftware's largest and most open world.",
    ),
    (
        "Dark Souls",
        2011,
        "An undead knight fights through the interlocking, unforgiving kingdom of Lordran to decide the fate of the First Flame.",
    ),
    ("Minecraft", 2011, "An endless world of blocks to mine, build and survive in, alone or with friends."),
    (
        "Super Mario Odyssey",
        2017,
        "Mario and his living hat Cappy travel between kingdoms to stop Bowser's wedding, capturing enemies to borrow their powers.",
    ),
    (
        "Hades",
        2020,
        "Zagreus, son of the god of the dead, fights his way out of the Underworld again and again, helped by the gods of Olympus.",
    ),
    ("Hollow Knight", 2017, "A silent knight descends into Hallownest, a vast, beautiful and fallen insect kingdom."),
    (
        "Celeste",
        2018,
        "Madeline climbs a mountain and her own anxiety in a tight, demanding platformer with a big heart.",
    ),
    (
        "Mass Effect 2",
        2010,
        "Commander Shepard recruits a crew for a suicide mission against the Collectors, and not everyone has to come back.",
    ),
    (
        "Grand Theft Auto V",
        2013,
        "Three very different criminals pull heists across Los Santos, a satire of California in every detail.",
    ),
    (
        "The Last of Us",
        2013,
        "Joel smuggles fourteen-year-old Ellie across a post-pandemic America in a story about survival and what we do for love.",
    ),
    (
        "God of War",
        2018,
        "Kratos, now in the Norse realms, travels with his young son Atreus to scatter his wife's ashes from the highest peak.",
    ),
    (
        "Stardew Valley",
        2016,
        "Leave the office job, inherit grandpa's farm, and become part of a small town's life one season at a time.",
    ),
    (
        "Disco Elysium",
        2019,
        "An amnesiac detective with a very loud inner voice investigates a murder in the broken city of Revachol.",
    ),
    ("BioShock", 2007, "After a plane crash, a man finds Rapture, an underwater utopia that has torn itself apart."),
    (
        "Baldur's Gate 3",
        2023,
        "A party infected by mind flayer tadpoles must find a cure, in a deep role-playing game built on Dungeons & Dragons.",
    ),
    ("Tetris", 1984, "Falling tetrominoes, complete lines, and the most famous puzzle game ever made."),
    (
        "Super Mario Bros.",
        1985,
        "The plumber who defined the side-scrolling platformer runs and jumps through the Mushroom Kingdom to rescue the princess.",
    ),
    (
        "Chrono Trigger",
        1995,
        "A band of heroes travels through time to stop a world-ending catastrophe, with many endings to find.",
    ),
    (
        "Cyberpunk 2077",
        2020,
        "A mercenary in Night City carries the digital ghost of a rock star in their head, and has little time left.",
    ),
]

FILMS = [
    (
        "The Godfather",
        1972,
        "The aging patriarch of a crime dynasty hands control of his empire to his reluctant youngest son.",
    ),
    (
        "Pulp Fiction",
        1994,
        "Hitmen, a boxer, a gangster's wife and a pair of diner robbers cross paths in Quentin Tarantino's tangled Los Angeles.",
    ),
    (
        "The Shawshank Redemption",
        1994,
        "A banker sentenced for a murder he did not commit finds friendship and patience in prison over two decades.",
    ),
    (
        "The Dark Knight",
        2008,
        "Batman faces the Joker, a criminal who wants to prove that anyone can be pushed to chaos.",
    ),
    ("Inception", 2010, "A thief who steals secrets from dreams is asked to do the reverse: plant an idea."),
    (
        "Interstellar",
        2014,
        "With Earth dying, a former pilot leads a mission through a wormhole to find humanity a new home.",
    ),
    (
        "The Matrix",
        1999,
        "A hacker learns that the world he knows is a simulation and joins the rebellion against the machines.",
    ),
    (
        "Casablanca",
        1942,
        "In wartime Morocco, a cynical nightclub owner meets the woman who left him, and has to choose.",
    ),
    ("Parasite", 2019, "A poor family cons its way into the household of a rich one, until an unexpected discovery."),
    (
        "Mad Max: Fury Road",
        2015,
        "Max and Furiosa flee a desert tyrant in a war rig, in one long and relentless chase.",
    ),
    ("Alien", 1979, "The crew of the towing ship Nostromo answers a distress call and brings something back on board."),
    (
        "Blade Runner",
        1982,
        "In a rain-soaked 2019 Los Angeles, a detective hunts escaped replicants who want more life.",
    ),
    (
        "Back to the Future",
        1985,
        "Marty McFly drives a time machine to 1955 and has to make sure his parents fall in love.",
    ),
    ("Jurassic Park", 1993, "A theme park of cloned dinosaurs opens to its first visitors, and the fences go down."),
    (
        "The Lord of the Rings: The Fellowship of the Ring",
        2001,
        "A hobbit inherits a ring of terrible power and sets out with eight companions to destroy it.",
    ),
    (
        "Star Wars",
        1977,
        "A farm boy, a smuggler, a princess and two droids take on the Galactic Empire and its Death Star.",
    ),
    (
        "Whiplash",
        2014,
        "A young jazz drummer and a brutal conductor push each other to the edge of what music is worth.",
    ),
    ("Arrival", 2016, "A linguist is asked to talk to visitors whose language changes how she experiences time."),
    (
        "Stalker",
        1979,
        "A guide leads a writer and a scientist into the Zone, towards a room said to grant your innermost wish.",
    ),
    (
        "Amélie",
        2001,
        "A shy Parisian waitress decides to change the lives of the people around her, quietly and with great imagination.",
    ),
    ("Seven Samurai", 1954, "A village of farmers hires seven masterless samurai to defend it from bandits."),
    (
        "Everything Everywhere All at Once",
        2022,
        "A laundromat owner doing her taxes discovers she must connect with her other selves across the multiverse.",
    ),
    ("Oppenheimer", 2023, "The story of the physicist who led the Manhattan Project and lived with what it made."),
]

SERIES = [
    (
        "Breaking Bad",
        2008,
        "A chemistry teacher with terminal cancer starts cooking methamphetamine and becomes someone else.",
    ),
    (
        "The Wire",
        2002,
        "Baltimore's drug trade, police, docks, city hall, schools and press, seen as one connected system.",
    ),
    ("The Sopranos", 1999, "A New Jersey mob boss sees a therapist about panic attacks while running two families."),
    (
        "Game of Thrones",
        2011,
        "Noble houses fight for the Iron Throne of Westeros while an ancient threat gathers beyond the Wall.",
    ),
    (
        "Stranger Things",
        2016,
        "A boy vanishes in a small Indiana town in the 1980s, and his friends find a girl with strange powers.",
    ),
    ("True Detective", 2014, "Two Louisiana detectives hunt a ritual killer across seventeen years of their lives."),
    ("Chernobyl", 2019, "The 1986 nuclear disaster and the people who paid for the lies told about it."),
    (
        "The Office",
        2005,
        "A mockumentary about the employees of a paper company's Scranton branch and their unbearable boss.",
    ),
    (
        "Friends",
        1994,
        "Six friends in their twenties share apartments, coffee and a decade of their lives in Manhattan.",
    ),
    ("Sherlock", 2010, "Sherlock Holmes and Dr Watson solve crimes in modern-day London."),
    ("Fargo", 2014, "Crime, bad luck and Minnesota politeness, a new story in each season."),
    ("Better Call Saul", 2015, "Small-time lawyer Jimmy McGill becomes Saul Goodman, one compromise at a time."),
    ("Succession", 2018, "The Roy siblings fight to take over their father's media empire, and none of them is ready."),
    ("Mad Men", 2007, "Don Draper sells dreams on Madison Avenue in the 1960s while hiding who he really is."),
    ("Twin Peaks", 1990, "FBI agent Dale Cooper investigates the murder of Laura Palmer in a very strange small town."),
    ("Dark", 2017, "Children vanish in a German town, and four families discover a time loop spanning generations."),
    ("The Mandalorian", 2019, "A lone bounty hunter in the outer reaches of the galaxy takes in a mysterious child."),
    (
        "Severance",
        2022,
        "Office workers have their memories surgically split between work and home, and start asking questions.",
    ),
    ("The Last of Us", 2023, "Joel and Ellie cross a ruined America, the game's story retold for television."),
    ("Black Mirror", 2011, "Stand-alone stories about technology and the darker sides of the people who use it."),
    ("Arcane", 2021, "Two sisters end up on opposite sides of the conflict between the cities of Piltover and Zaun."),
]

ANIME = [
    (
        "Cowboy Bebop",
        1998,
        "Bounty hunters drift through the solar system in 2071 to a jazz soundtrack, each running from a past.",
    ),
    (
        "Neon Genesis Evangelion",
        1995,
        "Teenagers pilot giant biomechanical units against mysterious Angels, and against their own minds.",
    ),
    (
        "Fullmetal Alchemist: Brotherhood",
        2009,
        "Two brothers who lost their bodies to forbidden alchemy search for the Philosopher's Stone.",
    ),
    ("Attack on Titan", 2013, "Humanity lives behind walls from man-eating giants, until the day the wall is broken."),
    (
        "Death Note",
        2006,
        "A student finds a notebook that kills anyone whose name is written in it, and a detective comes for him.",
    ),
    (
        "Spirited Away",
        2001,
        "Ten-year-old Chihiro must work in a bathhouse for spirits to free her parents and find her way home.",
    ),
    (
        "My Neighbor Totoro",
        1988,
        "Two sisters move to the countryside and befriend the gentle forest spirits who live nearby.",
    ),
    (
        "Princess Mononoke",
        1997,
        "A cursed prince is caught between the gods of the forest and the humans who burn it for iron.",
    ),
    ("Akira", 1988, "In Neo-Tokyo, a biker gang member gains psychic powers that could destroy the city again."),
    (
        "Ghost in the Shell",
        1995,
        "A cyborg security agent hunts a hacker called the Puppet Master and questions what makes her human.",
    ),
    (
        "Steins;Gate",
        2011,
        "A self-proclaimed mad scientist finds he can send messages to the past, and every change has a price.",
    ),
    ("One Punch Man", 2015, "Saitama can defeat any enemy with a single punch, and is bored out of his mind."),
    (
        "Demon Slayer: Kimetsu no Yaiba",
        2019,
        "Tanjiro joins the demon slayers to avenge his family and turn his sister back into a human.",
    ),
    (
        "Your Name",
        2016,
        "A city boy and a country girl start waking up in each other's bodies, with a comet on its way.",
    ),
    ("Hunter x Hunter", 2011, "Gon sets out to become a Hunter and find the father who left to be one."),
    (
        "Mob Psycho 100",
        2016,
        "A boy with enormous psychic power just wants an ordinary life, and works for a con-artist medium.",
    ),
    (
        "Frieren: Beyond Journey's End",
        2023,
        "After the hero's party has won, an elf mage who outlives her friends learns what their time together meant.",
    ),
    (
        "Naruto",
        2002,
        "An orphaned ninja with a fox spirit sealed inside him wants to become the leader of his village.",
    ),
    (
        "One Piece",
        1999,
        "Monkey D. Luffy and his Straw Hat crew sail the Grand Line in search of the greatest treasure of all.",
    ),
    (
        "Sailor Moon",
        1992,
        "A clumsy schoolgirl becomes a guardian of love and justice, with friends who are guardians too.",
    ),
    (
        "Jujutsu Kaisen",
        2020,
        "A student swallows a cursed finger and is pulled into the world of sorcerers who fight curses.",
    ),
    ("Perfect Blue", 1997, "A pop idol turned actress loses her grip on what is real as a stalker follows her."),
]

CATALOGUE = {"game": GAMES, "film": FILMS, "series": SERIES, "anime": ANIME}

REVIEW_LINES = {
    "high": [
        "One of the best I have ever played or watched. I keep coming back to it.",
        "Lives up to every bit of its reputation. The ending stayed with me for days.",
        "Near perfect. Every piece of it fits together.",
        "I went in skeptical and came out a fan. Deserves all the praise.",
    ],
    "mid": [
        "Really good, with a slow patch in the middle that held it back for me.",
        "Great ideas and great moments, though not everything landed.",
        "Worth your time. I just did not love it as much as everyone else seems to.",
    ],
    "low": [
        "I can see why people like it, but it was not for me.",
        "Beautifully made and strangely hollow. I wanted to like it more.",
    ],
}
