"""Service categories, with their complexity levels and desired outcomes.

The categories are those of commissioned rehabilitative services in England and Wales;
the data migration loads them and later migrations may add to them.
"""

CATEGORIES = [
    {
        "slug": "accommodation",
        "search_terms": "housing homeless homelessness rough sleeping tenancy rent landlord hostel home",
        "name": "Accommodation",
        "description": "Help to find, secure and keep suitable accommodation, including on release from custody.",
        "complexity": {
            "low": "The person has some accommodation but needs advice or help to keep it or to move on.",
            "medium": "The person is at risk of losing their accommodation or is in unsuitable or temporary accommodation.",
            "high": "The person is homeless or rough sleeping, or will be on release, and has other needs that make housing hard to secure.",
        },
        "outcomes": [
            "Settled accommodation is secured",
            "Current accommodation is kept and made sustainable",
            "Accommodation is in place on release from custody",
            "Rent arrears or other barriers to housing are reduced",
        ],
    },
    {
        "slug": "education-training-employment",
        "search_terms": "jobs work employment employability training skills education college CV apprenticeship",
        "name": "Education, training and employment",
        "description": "Support into learning, training, volunteering and work.",
        "complexity": {
            "low": "The person is close to work or learning and needs help with applications, CVs or disclosure.",
            "medium": "The person needs training, qualifications or work experience before they are ready for work.",
            "high": "The person has long-standing barriers to learning or work, such as low literacy or no work history.",
        },
        "outcomes": [
            "Starts education or training",
            "Gains a qualification or certificate",
            "Starts volunteering or work experience",
            "Finds paid employment",
            "Understands how to disclose convictions to employers",
        ],
    },
    {
        "slug": "finance-benefit-debt",
        "search_terms": "money benefits debt budgeting universal credit bank account finance",
        "name": "Finance, benefit and debt",
        "description": "Help with income, benefits, budgeting, bank accounts and debt.",
        "complexity": {
            "low": "The person needs help to open a bank account or to budget.",
            "medium": "The person has problems with benefit claims or debts that need advice and action.",
            "high": "The person has multiple or priority debts, or no income, and needs intensive support.",
        },
        "outcomes": [
            "Has a bank account",
            "Receives the benefits they are entitled to",
            "Has a manageable plan for their debts",
            "Manages a budget",
        ],
    },
    {
        "slug": "dependency-recovery",
        "search_terms": "drugs alcohol substance misuse addiction recovery detox treatment",
        "name": "Dependency and recovery",
        "description": "Support for people whose use of drugs or alcohol is linked to their offending.",
        "complexity": {
            "low": "The person wants to reduce their use and needs motivation and links to community support.",
            "medium": "The person's use affects daily life and they need structured support alongside treatment.",
            "high": "The person is dependent, with related health or housing needs, and needs intensive recovery support.",
        },
        "outcomes": [
            "Engages with treatment services",
            "Reduces use of drugs or alcohol",
            "Joins a recovery community or peer support",
            "Has a plan to prevent relapse",
        ],
    },
    {
        "slug": "emotional-wellbeing",
        "search_terms": "mental health wellbeing anxiety depression counselling emotions",
        "name": "Emotional wellbeing",
        "description": "Support to manage emotions, build resilience and reach mental health services.",
        "complexity": {
            "low": "The person needs help to recognise and manage their emotions.",
            "medium": "The person's emotional wellbeing affects their relationships and daily life.",
            "high": "The person has significant emotional needs and needs help to engage with health services.",
        },
        "outcomes": [
            "Develops ways of coping with stress and emotions",
            "Registers with and attends a GP or mental health service",
            "Reports improved wellbeing",
        ],
    },
    {
        "slug": "family-significant-others",
        "search_terms": "family children parenting relationships partners contact",
        "name": "Family and significant others",
        "description": "Support to build and keep positive relationships with family, children and partners.",
        "complexity": {
            "low": "The person wants advice on keeping in touch with family or children.",
            "medium": "Family relationships are strained and the person needs support to improve them.",
            "high": "The person has complex family needs, such as child contact arrangements or social care involvement.",
        },
        "outcomes": [
            "Improves relationships with family members",
            "Has safe contact with their children",
            "Develops parenting skills",
        ],
    },
    {
        "slug": "lifestyle-associates",
        "search_terms": "peers associates gangs activities sport lifestyle",
        "name": "Lifestyle and associates",
        "description": "Support to build a positive lifestyle and move away from negative influences.",
        "complexity": {
            "low": "The person wants to find positive activities and interests.",
            "medium": "The person's friendships and routines are linked to offending.",
            "high": "The person is closely involved with criminal associates or gangs and needs intensive support to step away.",
        },
        "outcomes": [
            "Takes part in positive activities",
            "Builds a network of positive relationships",
            "Reduces contact with negative associates",
        ],
    },
    {
        "slug": "social-inclusion",
        "search_terms": "community isolation identification documents inclusion",
        "name": "Social inclusion",
        "description": "Support to access community services and take part in community life.",
        "complexity": {
            "low": "The person needs information about services in their area.",
            "medium": "The person needs help to register with and use community services.",
            "high": "The person is isolated, with several unmet needs, and needs support to engage with any service.",
        },
        "outcomes": [
            "Registers with community services they need",
            "Takes part in community activities",
            "Has identification documents",
        ],
    },
    {
        "slug": "mentoring",
        "search_terms": "mentor peer support lived experience befriending",
        "name": "Mentoring",
        "description": "One-to-one support from a trained mentor, often with lived experience.",
        "complexity": {
            "low": "The person would benefit from a mentor to keep them motivated.",
            "medium": "The person needs regular mentoring to attend appointments and keep to their plans.",
            "high": "The person needs intensive mentoring through a period of crisis or release from custody.",
        },
        "outcomes": [
            "Attends appointments with support",
            "Reports increased confidence and motivation",
            "Meets their mentor at the gate on release",
        ],
    },
    {
        "slug": "womens-services",
        "search_terms": "women female women's centre domestic abuse",
        "name": "Women's services",
        "description": "Holistic, trauma-informed support for women, delivered in women-only settings.",
        "complexity": {
            "low": "The woman needs support with one or two areas of her life.",
            "medium": "The woman has several needs that need a coordinated response.",
            "high": "The woman has complex needs, such as experience of domestic abuse or exploitation, and needs intensive support.",
        },
        "outcomes": [
            "Feels safer in her relationships and home",
            "Engages with a women's centre",
            "Has support for her children and family",
            "Reports improved wellbeing and confidence",
        ],
    },
]
